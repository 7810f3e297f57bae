import { shardRange } from '../distributed/communicator.js';

/** Elements [start, start + length) of the flattened values of parameter `name`. */
export interface ParamSlice {
  name: string;
  start: number;
  length: number;
}

/**
 * The parameter slices that make up `rank`'s block of the concatenation of the flattened parameters (in the given
 * order, the same on every rank), cut as `shardRange` cuts a collective's arrays: the block a rank updates under
 * ZeRO is exactly the block that reduceScatter leaves reduced on it and that allgather takes from it.
 */
export function paramSlices(params: readonly { name: string; size: number }[], worldSize: number, rank: number): ParamSlice[] {
  const total = params.reduce((s, p) => s + p.size, 0);
  const { lo, hi } = shardRange(total, worldSize, rank);
  const out: ParamSlice[] = [];
  let at = 0;
  for (const { name, size } of params) {
    const [from, to] = [Math.max(lo, at), Math.min(hi, at + size)];
    if (from < to) out.push({ name, start: from - at, length: to - from });
    at += size;
  }
  return out;
}
