import { existsSync, rmSync } from 'node:fs';
import { basename, join } from 'node:path';
import { prepareParallel, SIDECAR_NAME, type SequenceKind } from '@dft/data';
import type { Communicator } from '../distributed/communicator.js';
import { listCheckpoints } from '../train/training-checkpoint.js';
import type { SettingName, TrainingConfig } from './training-config.js';

/** Sequence kinds a method reads (others are not padded or copied). */
export function kindsFor(c: Pick<TrainingConfig, 'method' | 'lambdaLc' | 'lambdaEt'>): SequenceKind[] {
  switch (c.method) {
    case 'sft':
      return ['sft'];
    case 'tft':
      return ['tft'];
    case 'dft-logits':
      return ['tft', ...(c.lambdaLc > 0 ? (['lc'] as const) : []), ...(c.lambdaEt > 0 ? (['et'] as const) : [])];
    case 'dft-feature':
      return ['tft', 'en'];
  }
}

/**
 * The train split: a prepared folder, a .arrow file, or raw sources prepared into `<out>/data` first (by rank 0,
 * once; the other ranks wait for it and open what it wrote).
 */
export async function trainFile(c: TrainingConfig, tokenizerDir: string, say: (text: string) => void, comm: Communicator): Promise<string> {
  const sources = Array.isArray(c.data) ? c.data : [c.data];
  if (sources.length === 1) {
    const p = sources[0]!;
    if (p.endsWith('.arrow')) return p;
    if (existsSync(join(p, SIDECAR_NAME))) return join(p, 'train.arrow');
  }
  const outDir = join(c.out, 'data');
  if (comm.rank === 0) {
    say(`preparing ${sources.join(', ')} → ${outDir}`);
    await prepareParallel({ input: sources, tokenizer: tokenizerDir, outDir, maxLength: c.maxLength, languages: c.languages });
  }
  await comm.barrier();
  return join(outDir, 'train.arrow');
}

/**
 * A fresh run must not mix its checkpoints with an earlier run's: `latest` would then name the other run's newest
 * step, and keepLast would prune by step number across both. Refuse unless `overwrite` says to delete them; the
 * message names the settings to change with `name`.
 */
export function startAfresh(out: string, overwrite: boolean, name: SettingName): void {
  const old = listCheckpoints(out);
  if (old.length === 0) return;
  if (!overwrite) {
    throw new Error(
      `${out} already holds checkpoints of an earlier run (${old.map((d) => basename(d)).join(', ')}): continue it with ${name('resumeFrom', 'latest')}, choose another ${name('out')}, or pass ${name('overwrite', true)} to delete them`,
    );
  }
  for (const dir of old) rmSync(dir, { recursive: true, force: true });
}
