import { seededRandom, shuffleInPlace } from '@dft/util';

export interface PlanOptions {
  /** Rows per rank per step (an upper bound when maxTokens is set). */
  batchSize: number;
  /** Cap on one rank's padded tokens per step: rows × padded length of the longest selected kind. */
  maxTokens?: number;
  /** Padded lengths are rounded up to a multiple of this. Default 8. */
  padTo?: number;
  /** Group rows of similar length into the same step to cut padding. Default false. */
  bucketByLength?: boolean;
  /** Steps per bucketing window: rows are sorted by length inside windows of this many global steps. Default 50. */
  bucketWindow?: number;
  /** Seeded shuffle, different for every epoch; `false` keeps file order. Default `{seed: 0}`. */
  shuffle?: { seed: number } | false;
  /** Number of data-parallel ranks. Default 1. */
  worldSize?: number;
  /** Drop global steps with fewer rows than a full one (see planEpoch). Default false. */
  dropLast?: boolean;
}

export function roundUp(n: number, multiple: number): number {
  return Math.ceil(n / multiple) * multiple;
}

export function checkPlanOptions(o: PlanOptions): void {
  const posInt = (v: unknown, name: string) => {
    if (!Number.isInteger(v) || (v as number) < 1) throw new Error(`batches: ${name} must be a positive integer, got ${v}`);
  };
  posInt(o.batchSize, 'batchSize');
  if (o.maxTokens !== undefined) posInt(o.maxTokens, 'maxTokens');
  posInt(o.padTo ?? 8, 'padTo');
  posInt(o.bucketWindow ?? 50, 'bucketWindow');
  posInt(o.worldSize ?? 1, 'worldSize');
  if (o.shuffle && !Number.isFinite(o.shuffle.seed)) throw new Error(`batches: shuffle.seed must be a number, got ${o.shuffle.seed}`);
}

/**
 * The global steps of one epoch: arrays of row indices, each to be split across `worldSize` ranks by
 * `shardRows`. Deterministic in (lengths, epoch, options), so every rank computes the same plan without
 * talking to the others, and a resumed run recomputes it exactly.
 *
 * - Order: a seeded permutation per epoch (or file order).
 * - Bucketing: inside windows of `bucketWindow` global steps, rows are sorted by length (longest first) before
 *   being cut into steps; the steps are then shuffled, so lengths still vary from step to step.
 * - A step holds at most `worldSize × batchSize` rows and, with `maxTokens`, at most as many as keep every
 *   rank's `rows × roundUp(longest, padTo)` within it (a single longer row still forms a step of its own).
 * - `dropLast` drops steps smaller than `worldSize × batchSize` rows (with maxTokens: smaller than `worldSize`).
 */
export function planEpoch(lengths: Int32Array, epoch: number, o: PlanOptions): Int32Array[] {
  checkPlanOptions(o);
  const world = o.worldSize ?? 1;
  const padTo = o.padTo ?? 8;
  const capacity = world * o.batchSize;
  const shuffle = o.shuffle === undefined ? { seed: 0 } : o.shuffle;
  const n = lengths.length;

  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  if (shuffle) shuffleInPlace(order, seededRandom(shuffle.seed, 2 * epoch));

  const fits = (rows: number, longest: number) =>
    o.maxTokens === undefined || Math.ceil(rows / world) * roundUp(longest, padTo) <= o.maxTokens;
  const steps: Int32Array[] = [];
  const pack = (rows: Int32Array) => {
    let start = 0;
    while (start < rows.length) {
      let end = start + 1;
      let longest = lengths[rows[start]!]!;
      while (end < rows.length && end - start < capacity) {
        const l = Math.max(longest, lengths[rows[end]!]!);
        if (!fits(end - start + 1, l)) break;
        longest = l;
        end++;
      }
      steps.push(rows.slice(start, end));
      start = end;
    }
  };

  if (o.bucketByLength) {
    const window = capacity * (o.bucketWindow ?? 50);
    for (let w = 0; w < n; w += window) {
      const chunk = Array.from(order.subarray(w, Math.min(n, w + window)));
      // Stable: equal lengths keep their (shuffled) order.
      const sorted = chunk.map((row, pos) => ({ row, pos })).sort((a, b) => lengths[b.row]! - lengths[a.row]! || a.pos - b.pos);
      pack(Int32Array.from(sorted, (x) => x.row));
    }
    if (shuffle) shuffleInPlace(steps, seededRandom(shuffle.seed, 2 * epoch + 1));
  } else pack(order);

  if (!o.dropLast) return steps;
  const minRows = o.maxTokens === undefined ? capacity : world;
  return steps.filter((s) => s.length >= minRows);
}

/**
 * The rows of one rank within a global step: positions rank, rank + worldSize, ... Disjoint across ranks and
 * together the whole step. A step with fewer rows than ranks gives some ranks an empty batch, so that every
 * rank still takes the same number of steps.
 */
export function shardRows(step: Int32Array, rank: number, worldSize: number): Int32Array {
  if (!Number.isInteger(rank) || rank < 0 || rank >= worldSize)
    throw new Error(`batches: rank must be an integer in [0, ${worldSize}), got ${rank}`);
  const out = new Int32Array(Math.max(0, Math.ceil((step.length - rank) / worldSize)));
  for (let i = 0, j = rank; j < step.length; i++, j += worldSize) out[i] = step[j]!;
  return out;
}
