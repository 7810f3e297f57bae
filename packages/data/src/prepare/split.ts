import { createHash } from 'node:crypto';

export type SplitName = 'train' | 'validation';

/**
 * Deterministic train/validation assignment from the example id alone (not its position or language), so
 * the same source row lands in the same split in every language and on every re-run. sha256 of
 * `seed \0 id`, first 48 bits read as a fraction in [0, 1).
 */
export function splitOf(id: string, validationFraction: number, seed = ''): SplitName {
  if (validationFraction <= 0) return 'train';
  const h = createHash('sha256').update(`${seed}\u0000${id}`).digest();
  const u = h.readUIntBE(0, 6) / 2 ** 48;
  return u < validationFraction ? 'validation' : 'train';
}
