import type { Mpi } from './mpi.js';

/** 4 MiB: large enough that the per-call latency is amortised, small enough that copies overlap the reduction. */
export const DEFAULT_BUCKET_BYTES = 4 << 20;

/** Arrays reduced together: `members` (indices) copied into one buffer, or one large array reduced in place. */
export type Bucket = { inPlace: number } | { members: number[]; length: number };

/**
 * Groups arrays (by their lengths, in order) into buckets of at most `bucketFloats` elements; an array of at least
 * `bucketFloats` elements is its own bucket and is reduced where it is, without a copy. Every rank computes the same
 * plan from the same lengths, so every rank issues the same collectives in the same order.
 */
export function planBuckets(lengths: number[], bucketFloats: number): Bucket[] {
  if (!Number.isInteger(bucketFloats) || bucketFloats < 1) throw new RangeError(`allreduceBuckets: a bucket must hold at least one float32, got ${bucketFloats} elements`);
  const plan: Bucket[] = [];
  let open: { members: number[]; length: number } | null = null;
  lengths.forEach((n, i) => {
    if (n >= bucketFloats) {
      plan.push({ inPlace: i });
      return;
    }
    if (n === 0) return;
    if (open && open.length + n > bucketFloats) open = null;
    if (!open) plan.push((open = { members: [], length: 0 }));
    open.members.push(i);
    open.length += n;
  });
  return plan;
}

function bucketFloats(bucketBytes: number): number {
  if (!Number.isInteger(bucketBytes) || bucketBytes < 4) throw new RangeError(`allreduceBuckets: bucketBytes must be an integer ≥ 4, got ${bucketBytes}`);
  return Math.floor(bucketBytes / 4);
}

function pack(arrays: Float32Array[], members: number[], into: Float32Array): void {
  let at = 0;
  for (const i of members) {
    into.set(arrays[i]!, at);
    at += arrays[i]!.length;
  }
}

function unpack(from: Float32Array, arrays: Float32Array[], members: number[]): void {
  let at = 0;
  for (const i of members) {
    const a = arrays[i]!;
    a.set(from.subarray(at, at + a.length));
    at += a.length;
  }
}

/**
 * Sums every array over the ranks, in place, the way gradient buckets are reduced in PyTorch's DDP: small arrays
 * are fused into buckets of about `bucketBytes` so that a model's hundreds of tensors cost a few large collectives.
 * Two buckets are in flight at a time: one is reduced on the thread pool while the next is being filled.
 */
export async function allreduceBuckets(mpi: Mpi, arrays: Float32Array[], bucketBytes = DEFAULT_BUCKET_BYTES): Promise<void> {
  const floats = bucketFloats(bucketBytes);
  const plan = planBuckets(arrays.map((a) => a.length), floats);
  const buffers = [new Float32Array(floats), new Float32Array(floats)];
  const inFlight: (Promise<void> | null)[] = [null, null];
  for (let k = 0; k < plan.length; k++) {
    const bucket = plan[k]!;
    const slot = k % 2;
    await inFlight[slot]; // its buffer is free again
    if ('inPlace' in bucket) {
      inFlight[slot] = mpi.allreduceSum(arrays[bucket.inPlace]!);
      continue;
    }
    const view = buffers[slot]!.subarray(0, bucket.length);
    pack(arrays, bucket.members, view);
    inFlight[slot] = mpi.allreduceSum(view).then(() => unpack(view, arrays, bucket.members));
  }
  await Promise.all(inFlight);
}

/** `allreduceBuckets` on the calling thread (for synchronous callers such as a training step's reduce hook). */
export function allreduceBucketsSync(mpi: Mpi, arrays: Float32Array[], bucketBytes = DEFAULT_BUCKET_BYTES): void {
  const floats = bucketFloats(bucketBytes);
  const buffer = new Float32Array(floats);
  for (const bucket of planBuckets(arrays.map((a) => a.length), floats)) {
    if ('inPlace' in bucket) {
      mpi.allreduceSumSync(arrays[bucket.inPlace]!);
      continue;
    }
    const view = buffer.subarray(0, bucket.length);
    pack(arrays, bucket.members, view);
    mpi.allreduceSumSync(view);
    unpack(view, arrays, bucket.members);
  }
}
