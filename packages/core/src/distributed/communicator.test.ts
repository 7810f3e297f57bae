import { describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { gather, scatter, views, weightedMean } from './chunked-communicator.js';
import { GroupAbortedError, GroupClosedError, shardRange } from './communicator.js';
import { launchWorkers, type ParallelMode } from './launch.js';
import { WorldOfOne } from './world-of-one.js';
import { abortThreadGroup, closeThreadGroup, createThreadGroupBuffers, ThreadCommunicator } from './thread-group.js';
import { Frame, FrameReader, parseReply, parseRequest, replyFrame, requestFrame } from './wire.js';

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

  it('weightedMean: Σ w_r x_r / Σ w_r for 1, 2 and 3 ranks; weights that sum to 0 are an error', () => {
    const out = new Float32Array(2);
    weightedMean([f32(2, 4)], [3], 0, 2, out);
    expect(Array.from(out)).toEqual([2, 4]);
    weightedMean([f32(1, 10), f32(4, 20)], [2, 1], 0, 2, out);
    expect(Array.from(out)).toEqual([2, 40 / 3].map(Math.fround));
    // Only [lo, hi) is written; a rank with weight 0 contributes nothing.
    const part = f32(-1, -1, -1);
    weightedMean([f32(1, 2, 3), f32(5, 6, 7), f32(100, 100, 100)], [1, 3, 0], 1, 3, part);
    expect(Array.from(part)).toEqual([-1, (2 + 18) / 4, (3 + 21) / 4]);
    expect(() => weightedMean([f32(1), f32(2)], [0, 0], 0, 1, out)).toThrow("allReduceMean: the ranks' weights sum to 0 (at least one must be > 0)");
  });

  it('frames survive any split of the byte stream', () => {
    const values = f32(1.5, -2.25, 3e-8, 7);
    const bytes = Buffer.concat([...requestFrame(9, 2, 4, -1, 0.75, values), ...replyFrame(9, values, 3), ...replyFrame(10, null, 0)]);
    for (const size of [1, 3, 7, bytes.length]) {
      const reader = new FrameReader();
      const frames = [];
      for (let i = 0; i < bytes.length; i += size) frames.push(...reader.push(bytes.subarray(i, i + size)));
      expect(frames.map((f) => f.type)).toEqual([Frame.Request, Frame.Reply, Frame.Reply]);
      expect(parseRequest(frames[0]!.body)).toEqual({ seq: 9, op: 2, n: 4, root: -1, weight: 0.75, payload: values });
      const reply = parseReply(frames[1]!.body);
      expect(reply.seq).toBe(9);
      expect(Array.from(new Float32Array(Uint8Array.from(reply.bytes).buffer))).toEqual([1.5, -2.25, Math.fround(3e-8)]);
      expect(parseReply(frames[2]!.body)).toEqual({ seq: 10, bytes: Buffer.alloc(0) });
    }
  });
});

describe('ThreadCommunicator (one rank, in this thread)', () => {
  it('collectives of a group of one leave the values, across chunks; argument errors are named', async () => {
    const comm = new ThreadCommunicator(createThreadGroupBuffers(1, 2), 0);
    const a = [f32(1, 2, 3), f32(4, 5)];
    await comm.allReduceMean(a, 7);
    await comm.broadcast(a, 0);
    await comm.barrier();
    await comm.allReduceMean([]);
    await comm.reduceScatter(a, 3);
    await comm.allgather(a);
    expect(a.map((x) => Array.from(x))).toEqual([[1, 2, 3], [4, 5]]);
    await expect(comm.allReduceMean(a, -1)).rejects.toThrow('allReduceMean: weight must be a finite number ≥ 0, got -1');
    await expect(comm.broadcast(a, 1)).rejects.toThrow('broadcast: root must be a rank in [0, 1), got 1');
    expect(() => new ThreadCommunicator(createThreadGroupBuffers(2, 4), 2)).toThrow('communicator: rank must be an integer in [0, 2), got 2');
  });

  it('an aborted group fails the next collective with the reason; a closed one with GroupClosedError', async () => {
    const aborted = createThreadGroupBuffers(2, 4);
    abortThreadGroup(aborted, 'worker 1 of 2 failed: out of memory');
    const comm = new ThreadCommunicator(aborted, 0);
    await expect(comm.barrier()).rejects.toThrow(GroupAbortedError);
    await expect(comm.allReduceMean([f32(1)])).rejects.toThrow('worker 1 of 2 failed: out of memory');
    const closed = createThreadGroupBuffers(2, 4);
    closeThreadGroup(closed, 'rank 0 has finished');
    // The first reason wins: a closed group is not aborted afterwards.
    abortThreadGroup(closed, 'late failure');
    await expect(new ThreadCommunicator(closed, 1).allReduceMean([f32(1)])).rejects.toThrow(GroupClosedError);
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

const BUILT = existsSync(fileURLToPath(new URL('../../dist/distributed/bootstrap.js', import.meta.url)));

describe.skipIf(!BUILT)('reduceScatter and allgather over 3 ranks (uneven shards, chunks of 4 floats)', () => {
  // Elements 0-3 belong to rank 0, 4-7 to rank 1, 8-10 to rank 2; the arrays hold 5, 0 and 6 of them.
  const split = (flat: number[]) => [flat.slice(0, 5), [], flat.slice(5)];
  it.each<ParallelMode>(['threads', 'processes'])('%s: each rank gets the weighted mean of its shard; allgather gives every rank all shards', async (mode) => {
    const results: { rank: number; reduced: number[][]; gathered: number[][] }[] = [];
    const entry = fileURLToPath(new URL('./test-fixtures/collectives-rank.mjs', import.meta.url));
    const group = await launchWorkers({ mode, workers: 3, entry, capacity: 4, onMessage: (_, m) => results.push(m as (typeof results)[number]) });
    await group.done;
    results.sort((a, b) => a.rank - b.rank);
    expect(results.map((r) => r.rank)).toEqual([0, 1, 2]);
    const index = Array.from({ length: 11 }, (_, i) => i);
    // Weights 1, 2, 3 on values (r + 1)(i + 1): mean = (1·1 + 2·2 + 3·3) / 6 · (i + 1).
    const mean = index.map((i) => Math.fround((14 / 6) * (i + 1)));
    results.forEach(({ rank, reduced }) => {
      const own = index.map((i) => (Math.floor(i / 4) === rank ? mean[i]! : (rank + 1) * (i + 1)));
      split(own).forEach((a, k) => a.forEach((x, j) => expect(reduced[k]![j]).toBeCloseTo(x, 5)));
    });
    const everywhere = split(index.map((i) => 100 * Math.floor(i / 4) + i));
    for (const { gathered } of results) expect(gathered).toEqual(everywhere);
  });
});
