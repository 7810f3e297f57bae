/** One rank's part of a global step of data-parallel training (plain row indices: no tensors here). */
export interface StepShard {
  /** This rank's micro-batches, as rows of the dataset; empty when the step has fewer micro-batches than ranks. */
  micro: Int32Array[];
  /**
   * The real tokens each of this rank's micro-batches stands for over the whole world: micro-batch j of rank 0
   * counts the j-th micro-batch of every rank, so rank 0's micro-batches add up to the step's global token count.
   */
  tokens: number[];
  /** A rank without micro-batches computes these rows (the step's first micro-batch) with weight 0; else null. */
  standIn: Int32Array | null;
}

/**
 * Splits a global step across `worldSize` ranks the way one process would accumulate it: the step is cut into
 * consecutive micro-batches of `microBatch` rows (the last may be shorter), and rank r takes micro-batches r,
 * r + worldSize, ... So `worldSize` ranks with micro-batch b see exactly the micro-batches one process sees with
 * `worldSize` accumulation steps of b, and their example-weighted mean gradient is the same. `lengths` gives the real
 * tokens of each row.
 */
export function shardStep(step: Int32Array, lengths: ArrayLike<number>, microBatch: number, rank: number, worldSize: number): StepShard {
  if (!Number.isInteger(worldSize) || worldSize < 1) throw new Error(`shardStep: worldSize must be a positive integer, got ${worldSize}`);
  if (!Number.isInteger(rank) || rank < 0 || rank >= worldSize) throw new Error(`shardStep: rank must be an integer in [0, ${worldSize}), got ${rank}`);
  if (!Number.isInteger(microBatch) || microBatch < 1) throw new Error(`shardStep: microBatch must be a positive integer, got ${microBatch}`);
  const all: Int32Array[] = [];
  for (let at = 0; at < step.length; at += microBatch) all.push(step.subarray(at, at + microBatch));
  const tokensOf = (rows: Int32Array) => rows.reduce((t, row) => t + lengths[row]!, 0);
  const micro: Int32Array[] = [];
  const tokens: number[] = [];
  for (let m = rank, round = 0; m < all.length; m += worldSize, round++) {
    micro.push(all[m]!);
    tokens.push(all.slice(round * worldSize, (round + 1) * worldSize).reduce((t, rows) => t + tokensOf(rows), 0));
  }
  return { micro, tokens, standIn: micro.length === 0 && all.length > 0 ? all[0]! : null };
}
