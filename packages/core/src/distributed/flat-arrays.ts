// The collectives treat a list of arrays (a model's gradients, say) as one flat array: these move ranges of it.

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
