/**
 * Collective operations between the replicas of a data-parallel run.
 *
 * Every call returns a promise: an MPI communicator runs its collectives off the JavaScript thread, so signals,
 * timers and progress output keep working while a rank waits for the others. Every rank must make the same calls in
 * the same order with arrays of the same total length; a mismatch is an error on the ranks that see it.
 */
export interface Communicator {
  /** This replica's index in [0, worldSize); rank 0 writes checkpoints and logs. */
  readonly rank: number;
  readonly worldSize: number;
  /**
   * In place: each element becomes the weighted mean over ranks, Σ_r w_r·x_r / Σ_r w_r, with `weight` = this rank's
   * w_r (default 1: the plain mean). The result is bit-identical on every rank. The weights must not all be 0.
   */
  allReduceMean(arrays: Float32Array[], weight?: number): Promise<void>;
  /** In place: every rank's arrays become `root`'s. */
  broadcast(arrays: Float32Array[], root?: number): Promise<void>;
  /**
   * In place on this rank's shard (`shardRange` of the arrays' concatenation): its elements become the weighted
   * mean over ranks, what `allReduceMean` computes for them up to the order in which the transport adds. The other
   * elements keep this rank's values. (Gradients of ZeRO-2: each rank only needs the mean of the slice it updates.)
   */
  reduceScatter(arrays: Float32Array[], weight?: number): Promise<void>;
  /** In place: each rank's shard (`shardRange`) of the arrays' concatenation becomes that rank's values on every rank. */
  allgather(arrays: Float32Array[]): Promise<void>;
  /** Resolves once every rank has called it. */
  barrier(): Promise<void>;
  /** Releases this rank's end of the group (no collective may follow). */
  close(): void;
}

/**
 * The elements [lo, hi) of a flat array of `total` elements that `rank` owns in `reduceScatter` and `allgather`:
 * contiguous blocks of ⌈total / worldSize⌉ in rank order (the last ranks' blocks may be shorter or empty).
 */
export function shardRange(total: number, worldSize: number, rank: number): { lo: number; hi: number } {
  const per = Math.ceil(total / worldSize);
  const lo = Math.min(total, rank * per);
  return { lo, hi: Math.min(total, lo + per) };
}
