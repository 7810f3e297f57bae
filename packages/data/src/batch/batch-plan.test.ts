import { describe, expect, it } from 'vitest';
import { planEpoch, roundUp, shardRows } from './batch-plan.js';
import { seededRandom } from '@dft/util';

const lengthsOf = (n: number, seed = 7) => {
  const r = seededRandom(seed);
  return Int32Array.from({ length: n }, () => 8 + Math.floor(r() * 300));
};
const flat = (steps: Int32Array[]) => steps.flatMap((s) => Array.from(s));
const padding = (steps: Int32Array[], lengths: Int32Array, world = 1) =>
  steps.reduce((sum, s) => {
    let pad = 0;
    for (let r = 0; r < world; r++) {
      const rows = Array.from(shardRows(s, r, world));
      if (rows.length === 0) continue;
      const L = roundUp(Math.max(...rows.map((i) => lengths[i]!)), 8);
      pad += rows.reduce((a, i) => a + L - lengths[i]!, 0);
    }
    return sum + pad;
  }, 0);

describe('planEpoch', () => {
  const lengths = lengthsOf(103);

  it('covers every row exactly once, in batches of batchSize (last one short)', () => {
    const steps = planEpoch(lengths, 0, { batchSize: 10 });
    expect(steps.map((s) => s.length)).toEqual([10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 3]);
    expect(flat(steps).sort((a, b) => a - b)).toEqual(Array.from({ length: 103 }, (_, i) => i));
  });

  it('shuffles with the seed: same seed same order, another epoch or seed another order; no shuffle keeps file order', () => {
    const a = flat(planEpoch(lengths, 0, { batchSize: 10, shuffle: { seed: 3 } }));
    expect(flat(planEpoch(lengths, 0, { batchSize: 10, shuffle: { seed: 3 } }))).toEqual(a);
    expect(flat(planEpoch(lengths, 1, { batchSize: 10, shuffle: { seed: 3 } }))).not.toEqual(a);
    expect(flat(planEpoch(lengths, 0, { batchSize: 10, shuffle: { seed: 4 } }))).not.toEqual(a);
    expect(flat(planEpoch(lengths, 5, { batchSize: 10, shuffle: false }))).toEqual(Array.from({ length: 103 }, (_, i) => i));
    // a shuffled order is not the identity and moves most rows
    expect(a.filter((v, i) => v === i).length).toBeLessThan(10);
  });

  it('shards disjointly and completely for world sizes 1-4, every rank taking the same number of steps', () => {
    for (const world of [1, 2, 3, 4]) {
      const steps = planEpoch(lengths, 2, { batchSize: 4, worldSize: world, shuffle: { seed: 9 } });
      expect(steps.length).toBe(Math.ceil(103 / (4 * world)));
      const seen: number[] = [];
      for (let rank = 0; rank < world; rank++) for (const s of steps) seen.push(...shardRows(s, rank, world));
      expect(seen.sort((a, b) => a - b)).toEqual(Array.from({ length: 103 }, (_, i) => i));
      // N ranks × batch b see, per step, exactly the rows 1 rank × batch N·b sees
      const single = planEpoch(lengths, 2, { batchSize: 4 * world, shuffle: { seed: 9 } });
      expect(steps.map((s) => Array.from(s).sort())).toEqual(single.map((s) => Array.from(s).sort()));
    }
  });

  it('gives a rank an empty batch when the last step has fewer rows than ranks', () => {
    const steps = planEpoch(lengthsOf(9), 0, { batchSize: 2, worldSize: 4, shuffle: false });
    expect(steps.map((s) => s.length)).toEqual([8, 1]);
    expect([0, 1, 2, 3].map((r) => Array.from(shardRows(steps[1]!, r, 4)))).toEqual([[8], [], [], []]);
    expect(Array.from(shardRows(steps[0]!, 1, 4))).toEqual([1, 5]);
    expect(planEpoch(lengthsOf(9), 0, { batchSize: 2, worldSize: 4, dropLast: true }).length).toBe(1);
    expect(() => shardRows(steps[0]!, 4, 4)).toThrow(/rank must be an integer in \[0, 4\), got 4/);
  });

  it('bucketing by length cuts padding (a number, not a time)', () => {
    const big = lengthsOf(2000, 11);
    const plain = planEpoch(big, 0, { batchSize: 16, shuffle: { seed: 1 } });
    const bucketed = planEpoch(big, 0, { batchSize: 16, shuffle: { seed: 1 }, bucketByLength: true });
    expect(flat(bucketed).sort((a, b) => a - b)).toEqual(Array.from({ length: 2000 }, (_, i) => i));
    const [p, b] = [padding(plain, big), padding(bucketed, big)];
    expect(b).toBeLessThan(p / 10);
    // the bucketed steps still come in a seeded, non-sorted order
    const firstLengths = bucketed.slice(0, 10).map((s) => big[s[0]!]!);
    expect(firstLengths).not.toEqual([...firstLengths].sort((x, y) => y - x));
  });

  it('maxTokens keeps every rank within rows × padded length, one oversize row alone', () => {
    const l = Int32Array.from([10, 20, 30, 40, 50, 60, 70, 80, 90, 500]);
    const steps = planEpoch(l, 0, { batchSize: 8, maxTokens: 160, shuffle: false });
    for (const s of steps) {
      const padded = roundUp(Math.max(...Array.from(s, (i) => l[i]!)), 8);
      if (s.length > 1) expect(s.length * padded).toBeLessThanOrEqual(160);
    }
    expect(steps.map((s) => Array.from(s))).toEqual([[0, 1, 2, 3], [4, 5], [6, 7], [8], [9]]);
    const two = planEpoch(l, 0, { batchSize: 8, maxTokens: 160, worldSize: 2, shuffle: false });
    // two ranks: ceil(rows / 2) × padded length per rank
    expect(two.map((s) => Array.from(s))).toEqual([[0, 1, 2, 3], [4, 5, 6, 7], [8], [9]]);
  });

  it('rejects bad options', () => {
    expect(() => planEpoch(lengths, 0, { batchSize: 0 })).toThrow('batches: batchSize must be a positive integer, got 0');
    expect(() => planEpoch(lengths, 0, { batchSize: 2, padTo: 0 })).toThrow(/padTo must be a positive integer/);
    expect(() => planEpoch(lengths, 0, { batchSize: 2, worldSize: 1.5 })).toThrow(/worldSize must be a positive integer/);
  });
});
