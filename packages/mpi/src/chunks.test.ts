import { describe, expect, it } from 'vitest';
import { chunkSpans, MAX_MPI_COUNT } from './chunks.js';

describe('chunkSpans', () => {
  it('covers the array with consecutive spans of at most max elements', () => {
    expect(chunkSpans(10, 7)).toEqual([{ offset: 0, count: 7 }, { offset: 7, count: 3 }]);
    expect(chunkSpans(14, 7)).toEqual([{ offset: 0, count: 7 }, { offset: 7, count: 7 }]);
    expect(chunkSpans(3, 7)).toEqual([{ offset: 0, count: 3 }]);
    expect(chunkSpans(0, 7)).toEqual([]);
  });

  it('splits only past 2^31-1 elements by default (lengths of 8 GiB arrays, no buffers needed)', () => {
    expect(chunkSpans(MAX_MPI_COUNT)).toEqual([{ offset: 0, count: MAX_MPI_COUNT }]);
    const twoGiFloats = 2 ** 31;
    expect(chunkSpans(twoGiFloats)).toEqual([{ offset: 0, count: MAX_MPI_COUNT }, { offset: MAX_MPI_COUNT, count: 1 }]);
    const spans = chunkSpans(5 * 2 ** 30 + 17); // 20 GiB of float32
    expect(spans).toHaveLength(3);
    expect(spans.reduce((s, x) => s + x.count, 0)).toBe(5 * 2 ** 30 + 17);
    spans.forEach((s, k) => expect(s.offset).toBe(k * MAX_MPI_COUNT));
    expect(Math.max(...spans.map((s) => s.count))).toBeLessThanOrEqual(MAX_MPI_COUNT);
  });

  it('rejects lengths and limits that are not counts', () => {
    expect(() => chunkSpans(-1)).toThrow(/length must be a non-negative integer, got -1/);
    expect(() => chunkSpans(2.5)).toThrow(/length/);
    expect(() => chunkSpans(10, 0)).toThrow(/max must be an integer in \[1, 2147483647\], got 0/);
    expect(() => chunkSpans(10, 2 ** 31)).toThrow(/max/);
  });
});
