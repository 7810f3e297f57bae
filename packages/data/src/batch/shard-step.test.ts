import { describe, expect, it } from 'vitest';
import { shardStep } from './shard-step.js';

const rows = (...r: number[]) => Int32Array.from(r);
const arrays = (a: Int32Array[]) => a.map((x) => Array.from(x));

describe('shardStep', () => {
  // Row i has i + 1 real tokens.
  const lengths = Array.from({ length: 20 }, (_, i) => i + 1);

  it('rank r takes micro-batches r, r + N, ... of the step; rank 0 counts the whole step’s tokens', () => {
    const step = rows(4, 9, 2, 7, 1);
    const [a, b] = [shardStep(step, lengths, 2, 0, 2), shardStep(step, lengths, 2, 1, 2)];
    expect(arrays(a.micro)).toEqual([[4, 9], [1]]);
    expect(arrays(b.micro)).toEqual([[2, 7]]);
    // Round 0: rows 4, 9, 2, 7 (5 + 10 + 3 + 8 tokens); round 1: row 1 (2 tokens).
    expect(a.tokens).toEqual([26, 2]);
    expect(b.tokens).toEqual([26]);
    expect(a.tokens.reduce((s, t) => s + t, 0)).toBe([...step].reduce((s, r) => s + lengths[r]!, 0));
    expect([a.standIn, b.standIn]).toEqual([null, null]);
  });

  it('one process (world of one) accumulates the same micro-batches in order', () => {
    const s = shardStep(rows(4, 9, 2, 7, 1), lengths, 2, 0, 1);
    expect(arrays(s.micro)).toEqual([[4, 9], [2, 7], [1]]);
    expect(s.tokens).toEqual([15, 11, 2]);
  });

  it('a rank past the step’s micro-batches gets the first one as a stand-in, with no tokens', () => {
    const s = shardStep(rows(3), lengths, 2, 2, 3);
    expect([arrays(s.micro), s.tokens, Array.from(s.standIn!)]).toEqual([[], [], [3]]);
  });

  it('names a bad rank, world size or micro-batch', () => {
    expect(() => shardStep(rows(1), lengths, 2, 2, 2)).toThrow('shardStep: rank must be an integer in [0, 2), got 2');
    expect(() => shardStep(rows(1), lengths, 0, 0, 2)).toThrow('shardStep: microBatch must be a positive integer, got 0');
    expect(() => shardStep(rows(1), lengths, 1, 0, 0)).toThrow('shardStep: worldSize must be a positive integer, got 0');
  });
});
