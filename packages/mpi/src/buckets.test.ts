import { describe, expect, it } from 'vitest';
import { planBuckets } from './buckets.js';

describe('planBuckets', () => {
  it('fuses small arrays in order up to the bucket size and reduces large ones in place', () => {
    // A large array does not close the open bucket: the small ones around it still share one.
    expect(planBuckets([3, 0, 7, 40, 5, 9, 16, 1], 16)).toEqual([
      { members: [0, 2, 4], length: 15 },
      { inPlace: 3 },
      { members: [5, 7], length: 10 },
      { inPlace: 6 },
    ]);
  });

  it('puts every element in exactly one bucket, none longer than the limit', () => {
    const lengths = Array.from({ length: 200 }, (_, i) => (i * 7919) % 1000);
    const plan = planBuckets(lengths, 1 << 10);
    const seen = plan.flatMap((b) => ('inPlace' in b ? [b.inPlace] : b.members)).sort((a, b) => a - b);
    expect(seen).toEqual(lengths.flatMap((n, i) => (n > 0 ? [i] : [])));
    for (const b of plan) if (!('inPlace' in b)) expect(b.length).toBe(b.members.reduce((s, i) => s + lengths[i]!, 0));
    for (const b of plan) if (!('inPlace' in b)) expect(b.length).toBeLessThanOrEqual(1 << 10);
  });

  it('rejects a bucket that holds nothing', () => {
    expect(() => planBuckets([1], 0)).toThrow(/a bucket must hold at least one float32, got 0/);
  });
});
