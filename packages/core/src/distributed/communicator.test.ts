import { describe, expect, it } from 'vitest';
import { shardRange } from './communicator.js';
import { gather, scatter, views } from './flat-arrays.js';
import { WorldOfOne } from './world-of-one.js';

const f32 = (...v: number[]) => Float32Array.from(v);

describe('collective building blocks', () => {
  it('gather/scatter move any flat range across array boundaries', () => {
    const arrays = [f32(1, 2, 3), f32(), f32(4), f32(5, 6, 7, 8)];
    const dst = new Float32Array(4);
    gather(arrays, 2, 4, dst);
    expect(Array.from(dst)).toEqual([3, 4, 5, 6]);
    scatter(f32(-3, -4, -5, -6), arrays, 2, 4);
    expect(arrays.map((a) => Array.from(a))).toEqual([[1, 2, -3], [], [-4], [-5, -6, 7, 8]]);
    // Chunks of 3 over the 8 values reassemble them.
    const out = [new Float32Array(3), new Float32Array(0), new Float32Array(1), new Float32Array(4)];
    const stage = new Float32Array(3);
    for (let from = 0; from < 8; from += 3) {
      const n = Math.min(3, 8 - from);
      gather(arrays, from, n, stage);
      scatter(stage, out, from, n);
    }
    expect(out.map((a) => Array.from(a))).toEqual(arrays.map((a) => Array.from(a)));
  });

  it('shardRange: contiguous blocks of ⌈total / N⌉ covering [0, total); views slice across array boundaries', () => {
    expect([0, 1, 2].map((r) => shardRange(11, 3, r))).toEqual([{ lo: 0, hi: 4 }, { lo: 4, hi: 8 }, { lo: 8, hi: 11 }]);
    expect([0, 1, 2].map((r) => shardRange(2, 3, r))).toEqual([{ lo: 0, hi: 1 }, { lo: 1, hi: 2 }, { lo: 2, hi: 2 }]);
    const arrays = [f32(1, 2, 3), f32(), f32(4), f32(5, 6)];
    const v = views(arrays, 2, 5);
    expect(v.map((a) => Array.from(a))).toEqual([[3], [4], [5]]);
    v[2]![0] = -5;
    expect(arrays[3]![0]).toBe(-5);
  });
});

describe('WorldOfOne', () => {
  it('leaves the values; checks weights and roots like a larger world', async () => {
    const comm = new WorldOfOne();
    const a = [f32(1, 2, 3), f32(4)];
    await comm.allReduceMean(a, 3);
    await comm.broadcast(a);
    await comm.reduceScatter(a, 2);
    await comm.allgather(a);
    await comm.barrier();
    expect([a.map((x) => Array.from(x)), [comm.rank, comm.worldSize]]).toEqual([[[1, 2, 3], [4]], [0, 1]]);
    await expect(comm.allReduceMean(a, 0)).rejects.toThrow('allReduceMean: weight must be a finite number > 0 in a world of one, got 0');
    await expect(comm.reduceScatter(a, -1)).rejects.toThrow('allReduceMean: weight must be a finite number > 0 in a world of one, got -1');
    await expect(comm.broadcast(a, 1)).rejects.toThrow('broadcast: root must be a rank in [0, 1), got 1');
  });
});
