import { describe, expect, it } from 'vitest';
import { IGNORE_INDEX, collate } from './collate.js';

const I = (...v: number[]) => Int32Array.from(v);

describe('collate', () => {
  it('pads right to a multiple of padTo with the pad id; labels only on the continuation', () => {
    const b = collate(
      [
        { prompt: I(1, 5, 6), continuation: I(7, 2), seam: 0, queryStart: 1, queryEnd: 2 },
        { prompt: I(1, 8), continuation: I(9, 9, 9, 2), seam: 0, queryStart: 1, queryEnd: 2 },
      ],
      true,
      0,
      4,
    );
    expect([b.batchSize, b.length]).toEqual([2, 8]);
    expect(Array.from(b.ids)).toEqual([1, 5, 6, 7, 2, 0, 0, 0, 1, 8, 9, 9, 9, 2, 0, 0]);
    const X = IGNORE_INDEX;
    expect(Array.from(b.labels!)).toEqual([X, X, X, 7, 2, X, X, X, X, X, 9, 9, 9, 2, X, X]);
    expect(Array.from(b.attentionMask)).toEqual([1, 1, 1, 1, 1, 0, 0, 0, 1, 1, 1, 1, 1, 1, 0, 0]);
    expect(Array.from(b.promptLength)).toEqual([3, 2]);
    expect(Array.from(b.querySpan)).toEqual([1, 2, 1, 2]);
  });

  it('a seam replaces the prompt tail; those positions stay unlabelled', () => {
    // prompt [1, 5, 6]; joint tokenisation replaced "6" by "66" (id 66) followed by 7, 2
    const b = collate([{ prompt: I(1, 5, 6), continuation: I(66, 7, 2), seam: 1, queryStart: 1, queryEnd: 2 }], true, 0, 1);
    expect(Array.from(b.ids)).toEqual([1, 5, 66, 7, 2]);
    expect(Array.from(b.labels!)).toEqual([-100, -100, -100, 7, 2]);
    expect(b.promptLength[0]).toBe(3);
  });

  it('a prompt alone has no labels', () => {
    const b = collate([{ prompt: I(1, 5), continuation: null, seam: 0, queryStart: 1, queryEnd: 2 }], false, 2, 8);
    expect(b.labels).toBeUndefined();
    expect(Array.from(b.ids)).toEqual([1, 5, 2, 2, 2, 2, 2, 2]);
    expect(Array.from(b.attentionMask)).toEqual([1, 1, 0, 0, 0, 0, 0, 0]);
  });
});
