import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../model/config.js';
import { initialParameters } from '../model/init.js';
import { CausalLM } from '../model/model.js';
import type { BackendName } from '../backend/select-backend.js';
import { TEST_BACKENDS, useBackend } from '../test-utils/fixtures.js';
import { maxAbsDiff, MPI_UNAVAILABLE, mpiJob } from '../test-utils/mpi-job.js';
import { Trainer } from '../train/trainer.js';
// @ts-expect-error: a plain .mjs module shared with the rank script (no types)
import { STEPS, TOY_OPTS, toyTask } from './test-fixtures/toy-task.mjs';

if (MPI_UNAVAILABLE) console.warn(`MPI communicator tests skipped: ${MPI_UNAVAILABLE}`);

interface ToyResult {
  losses: number[];
  weights: number[][];
  numTensors: number[];
}

/** The toy steps on one process, each step's micro-batches accumulated. */
async function singleProcess(): Promise<ToyResult> {
  const task = toyTask({ tf, parseConfig, CausalLM, initialParameters });
  const model = task.newModel(1);
  const trainer = new Trainer(model, task.ce, TOY_OPTS);
  const losses: number[] = [];
  for (let s = 0; s < STEPS.length; s++) {
    const micro = (task.stepRows(s) as number[][]).map((rows) => ({ batch: rows.map(task.example), weight: rows.length }));
    losses.push((await trainer.step(micro)).loss);
  }
  const weights = [...model.params.values()].map((p) => Array.from(p.dataSync() as Float32Array));
  trainer.dispose();
  model.dispose();
  return { losses, weights, numTensors: [] };
}

describe.skipIf(MPI_UNAVAILABLE)('MpiCommunicator under mpirun', () => {
  it('3 ranks, buckets of 4 floats: weighted mean, reduce-scatter of each shard, allgather, broadcast; zero weights refused', async () => {
    const job = await mpiJob<{ rank: number; mean: number[][]; reduced: number[][]; gathered: number[][]; broadcast: number[][]; zero: string }>(3, 'collectives-rank.mjs', {}, 4);
    expect(job.status, job.stderr).toBe(0);
    expect(job.ranks.map((r) => r.rank)).toEqual([0, 1, 2]);
    // Arrays of 5, 0 and 6 elements; shards of 4: elements 0-3 on rank 0, 4-7 on rank 1, 8-10 on rank 2.
    const split = (flat: number[]) => [flat.slice(0, 5), [], flat.slice(5)];
    const index = Array.from({ length: 11 }, (_, i) => i);
    // Weights 1, 2, 3 on values (r + 1)(i + 1): mean = (1·1 + 2·2 + 3·3) / 6 · (i + 1).
    const mean = index.map((i) => (14 / 6) * (i + 1));
    for (const { rank, mean: m, reduced, gathered, broadcast, zero } of job.ranks) {
      split(mean).forEach((a, k) => a.forEach((x, j) => expect(m[k]![j]).toBeCloseTo(x, 5)));
      const own = index.map((i) => (Math.floor(i / 4) === rank ? mean[i]! : (rank + 1) * (i + 1)));
      split(own).forEach((a, k) => a.forEach((x, j) => expect(reduced[k]![j]).toBeCloseTo(x, 5)));
      expect(gathered).toEqual(split(index.map((i) => 100 * Math.floor(i / 4) + i)));
      expect(broadcast).toEqual(split(index.map((i) => 1000 + i)));
      expect(zero).toBe("allReduceMean: the ranks' weights sum to 0 (at least one must be > 0)");
    }
    // The mean is the same bits on every rank: replicas reduced with it stay identical.
    expect(new Set(job.ranks.map((r) => JSON.stringify(r.mean))).size).toBe(1);
  });

  const backends = (['wasm', 'native', 'tensorflow'] as BackendName[]).filter((b) => TEST_BACKENDS.includes(b));
  describe.each(backends)('data-parallel training on %s', (backend) => {
    let reference: ToyResult;
    beforeAll(async () => {
      await useBackend(backend);
      reference = await singleProcess();
    });

    it('2 ranks give the losses and weights of 1 process accumulating their micro-batches (≤ 1e-5)', async () => {
      const job = await mpiJob<ToyResult>(2, 'toy-rank.mjs', { backend });
      expect(job.status, job.stderr).toBe(0);
      const [r0, r1] = job.ranks;
      expect(r0!.losses).toEqual(r1!.losses);
      r0!.losses.forEach((l, i) => expect(Math.abs(l - reference.losses[i]!)).toBeLessThanOrEqual(1e-5));
      expect(maxAbsDiff(r0!.weights, reference.weights)).toBeLessThanOrEqual(1e-5);
      // Bit-identical replicas (the final checkReplicas passed too), and the weights moved.
      expect(maxAbsDiff(r0!.weights, r1!.weights)).toBe(0);
      const init = toyTask({ tf, parseConfig, CausalLM, initialParameters }).newModel(1);
      expect(maxAbsDiff([...init.params.values()].map((p) => Array.from(p.dataSync() as Float32Array)), reference.weights)).toBeGreaterThan(1e-3);
      init.dispose();
      // No tensor leak in the reduction: the count is flat from step to step.
      expect(new Set(r0!.numTensors).size).toBe(1);
    });
  });

  it('a rank that throws stops the job: mpirun exits non-zero and the message names the rank and the cause', async () => {
    const job = await mpiJob<ToyResult>(2, 'toy-rank.mjs', { backend: 'wasm', fail: { rank: 1, step: 1 } });
    expect(job.status).not.toBe(0);
    expect(job.ranks).toEqual([]);
    expect(job.stderr).toContain('Error: rank 1 of 2 failed: toy failure at step 1');
  });

  it('replicas that do not start identical are refused, naming the tensor', async () => {
    const job = await mpiJob<ToyResult>(2, 'toy-rank.mjs', { backend: 'wasm', seeds: [1, 2] });
    expect(job.status).not.toBe(0);
    expect(job.stderr).toMatch(/rank 1 of 2 failed: rank 1: parameter model\.embed_tokens\.weight differs from rank 0's: every worker must start from the same weights/);
  });
});
