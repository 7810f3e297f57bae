import { shardRange, type Communicator } from './communicator.js';

/** The collective a chunk belongs to (also sent over the wire and compared between ranks). */
export const Op = { Barrier: 1, Reduce: 2, Broadcast: 3 } as const;
export type Op = (typeof Op)[keyof typeof Op];

export const OP_NAMES: Record<number, string> = { 1: 'barrier', 2: 'allReduceMean', 3: 'broadcast' };

/** Copies `n` elements starting at flat offset `from` of the concatenation of `arrays` into `dst[0..n)`. */
export function gather(arrays: Float32Array[], from: number, n: number, dst: Float32Array): void {
  let skip = from;
  let out = 0;
  for (const a of arrays) {
    if (out === n) break;
    if (skip >= a.length) {
      skip -= a.length;
      continue;
    }
    const take = Math.min(a.length - skip, n - out);
    dst.set(a.subarray(skip, skip + take), out);
    out += take;
    skip = 0;
  }
}

/** The inverse of `gather`: `src[0..n)` goes to flat offset `from` of the concatenation of `arrays`. */
export function scatter(src: Float32Array, arrays: Float32Array[], from: number, n: number): void {
  let skip = from;
  let done = 0;
  for (const a of arrays) {
    if (done === n) break;
    if (skip >= a.length) {
      skip -= a.length;
      continue;
    }
    const take = Math.min(a.length - skip, n - done);
    a.set(src.subarray(done, done + take), skip);
    done += take;
    skip = 0;
  }
}

/** Views of the elements [lo, hi) of the concatenation of `arrays` (no copy). */
export function views(arrays: Float32Array[], lo: number, hi: number): Float32Array[] {
  const out: Float32Array[] = [];
  let at = 0;
  for (const a of arrays) {
    const [from, to] = [Math.max(lo, at), Math.min(hi, at + a.length)];
    if (from < to) out.push(a.subarray(from - at, to - at));
    at += a.length;
  }
  return out;
}

function checkWeight(op: string, weight: number): void {
  if (!Number.isFinite(weight) || weight < 0) throw new Error(`${op}: weight must be a finite number ≥ 0, got ${weight}`);
}

/**
 * Σ_r (w_r / Σw)·x_r[i] for i in [lo, hi), in float64 in rank order, rounded once (so that the rank computing an
 * element gets the same bits whichever rank it is). The common group sizes get loops without an inner rank loop:
 * this runs over every gradient element of every step.
 */
export function weightedMean(inputs: Float32Array[], weights: ArrayLike<number>, lo: number, hi: number, out: Float32Array): void {
  let total = 0;
  for (let r = 0; r < inputs.length; r++) total += weights[r]!;
  if (!(total > 0)) throw new Error(`allReduceMean: the ranks' weights sum to ${total} (at least one must be > 0)`);
  const c = Array.from(inputs, (_, r) => weights[r]! / total);
  const n = inputs.length;
  if (n === 1) {
    const [x0, c0] = [inputs[0]!, c[0]!];
    for (let i = lo; i < hi; i++) out[i] = c0 * x0[i]!;
  } else if (n === 2) {
    const [x0, x1, c0, c1] = [inputs[0]!, inputs[1]!, c[0]!, c[1]!];
    for (let i = lo; i < hi; i++) out[i] = c0 * x0[i]! + c1 * x1[i]!;
  } else {
    for (let i = lo; i < hi; i++) {
      let s = 0;
      for (let r = 0; r < n; r++) s += c[r]! * inputs[r]![i]!;
      out[i] = s;
    }
  }
}

/**
 * The collectives over a bounded staging buffer: arrays of any total length go through in chunks of `capacity`
 * floats, so the shared memory or the message size never has to hold the whole model. Subclasses move one chunk.
 * The collectives block this thread (shared-memory waits); they return settled promises to fit the interface.
 */
export abstract class ChunkedCommunicator implements Communicator {
  constructor(
    readonly rank: number,
    readonly worldSize: number,
    protected readonly capacity: number,
  ) {
    if (!Number.isInteger(worldSize) || worldSize < 1) throw new Error(`communicator: worldSize must be a positive integer, got ${worldSize}`);
    if (!Number.isInteger(rank) || rank < 0 || rank >= worldSize) throw new Error(`communicator: rank must be an integer in [0, ${worldSize}), got ${rank}`);
    if (!Number.isInteger(capacity) || capacity < 1) throw new Error(`communicator: capacity must be a positive integer, got ${capacity}`);
  }

  /** Where this rank stages the chunk it contributes. */
  protected abstract stage(): Float32Array;
  /**
   * Runs one chunk of a collective (this rank's part is in `stage()[0..n)` for Reduce, and for Broadcast when it is
   * the root) and returns the view holding the chunk's result.
   */
  protected abstract exchange(op: Op, n: number, weight: number, root: number): Float32Array;
  /** Called after the result view of a chunk has been read (a shared view may be reused after this). */
  protected afterChunk(_op: Op): void {}

  async allReduceMean(arrays: Float32Array[], weight = 1): Promise<void> {
    checkWeight('allReduceMean', weight);
    this.chunked(arrays, Op.Reduce, weight, -1);
  }

  async reduceScatter(arrays: Float32Array[], weight = 1): Promise<void> {
    checkWeight('reduceScatter', weight);
    const total = arrays.reduce((s, a) => s + a.length, 0);
    this.chunked(arrays, Op.Reduce, weight, -1, shardRange(total, this.worldSize, this.rank));
  }

  /** One broadcast per rank, rooted at the rank, of its shard (so any chunked transport can do it). */
  async allgather(arrays: Float32Array[]): Promise<void> {
    const total = arrays.reduce((s, a) => s + a.length, 0);
    for (let r = 0; r < this.worldSize; r++) {
      const { lo, hi } = shardRange(total, this.worldSize, r);
      this.chunked(views(arrays, lo, hi), Op.Broadcast, 0, r);
    }
  }

  async broadcast(arrays: Float32Array[], root = 0): Promise<void> {
    if (!Number.isInteger(root) || root < 0 || root >= this.worldSize) throw new Error(`broadcast: root must be a rank in [0, ${this.worldSize}), got ${root}`);
    this.chunked(arrays, Op.Broadcast, 0, root);
  }

  async barrier(): Promise<void> {
    this.exchange(Op.Barrier, 0, 0, -1);
    this.afterChunk(Op.Barrier);
  }

  abstract close(): void;

  /** Runs `op` over the arrays chunk by chunk; only the result elements within `keep` are copied back. */
  private chunked(arrays: Float32Array[], op: Op, weight: number, root: number, keep = { lo: 0, hi: Infinity }): void {
    const total = arrays.reduce((s, a) => s + a.length, 0);
    const stage = this.stage();
    // An empty call still takes one (empty) round, so that a rank with nothing to send stays in step with the others.
    for (let from = 0; from < total || from === 0; from += this.capacity) {
      const n = Math.min(this.capacity, total - from);
      const contributes = op === Op.Reduce || this.rank === root;
      if (contributes) gather(arrays, from, n, stage);
      const result = this.exchange(op, n, weight, root);
      const [lo, hi] = [Math.max(from, keep.lo), Math.min(from + n, keep.hi)];
      if (!(op === Op.Broadcast && this.rank === root) && lo < hi) scatter(result.subarray(lo - from), arrays, lo, hi - lo);
      this.afterChunk(op);
      if (total === 0) break;
    }
  }
}
