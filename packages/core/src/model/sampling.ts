export { seededRandom } from '@dft/util';

export interface SamplingOptions {
  /** 0 = greedy (argmax). */
  temperature: number;
  /** Nucleus sampling: keep the smallest set of top tokens whose mass reaches `topP`. */
  topP: number;
  /** Keep only the `topK` most likely tokens (0 = all). */
  topK: number;
}

export function argmax(row: Float32Array): number {
  let best = 0;
  for (let i = 1; i < row.length; i++) if (row[i] > row[best]) best = i;
  return best;
}

/**
 * transformers' RepetitionPenaltyLogitsProcessor (the CTRL penalty): the logit of every token already in the
 * sequence is divided by `penalty` when positive and multiplied by it when negative, once per distinct token.
 * Changes `row` in place; `penalty` 1 leaves it as it is.
 */
export function applyRepetitionPenalty(row: Float32Array, seen: Iterable<number>, penalty: number): void {
  if (penalty === 1) return;
  for (const id of new Set(seen)) row[id] = row[id] < 0 ? row[id] * penalty : row[id] / penalty;
}

/** Draws a token id from one row of logits. */
export function sampleToken(row: Float32Array, opts: SamplingOptions, random: () => number): number {
  if (opts.temperature <= 0) return argmax(row);
  let max = -Infinity;
  for (const v of row) max = Math.max(max, v);
  const order = Array.from(row.keys()).sort((a, b) => row[b] - row[a]);
  const probs = order.map((i) => Math.exp((row[i] - max) / opts.temperature));
  const total = probs.reduce((s, p) => s + p, 0);
  let keep = opts.topK > 0 ? Math.min(opts.topK, order.length) : order.length;
  if (opts.topP < 1) {
    let mass = 0;
    for (let i = 0; i < keep; i++) {
      mass += probs[i] / total;
      if (mass >= opts.topP) {
        keep = i + 1;
        break;
      }
    }
  }
  const kept = probs.slice(0, keep);
  let r = random() * kept.reduce((s, p) => s + p, 0);
  for (let i = 0; i < keep; i++) {
    r -= kept[i];
    if (r <= 0) return order[i];
  }
  return order[keep - 1];
}
