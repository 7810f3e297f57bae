/** The most elements one MPI call can take: counts are C ints. */
export const MAX_MPI_COUNT = 2 ** 31 - 1;

/** One MPI call's share of a longer array: `count` elements from `offset`. */
export interface Span {
  offset: number;
  count: number;
}

/**
 * Splits `length` elements into consecutive spans of at most `max` (the last one shorter); none for 0. Every
 * rank computes the same spans from the same length, so the ranks make the same sequence of MPI calls.
 */
export function chunkSpans(length: number, max = MAX_MPI_COUNT): Span[] {
  if (!Number.isSafeInteger(length) || length < 0) throw new RangeError(`chunkSpans: length must be a non-negative integer, got ${length}`);
  if (!Number.isSafeInteger(max) || max < 1 || max > MAX_MPI_COUNT) throw new RangeError(`chunkSpans: max must be an integer in [1, ${MAX_MPI_COUNT}], got ${max}`);
  const spans: Span[] = [];
  for (let offset = 0; offset < length; offset += max) spans.push({ offset, count: Math.min(max, length - offset) });
  return spans;
}
