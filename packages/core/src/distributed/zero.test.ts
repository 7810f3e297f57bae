import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../model/config.js';
import { initialParameters } from '../model/init.js';
import { CausalLM } from '../model/model.js';
import { loadPretrained } from '../model/pretrained.js';
import { useBackend } from '../test-utils/fixtures.js';
import { maxAbsDiff, MPI_UNAVAILABLE, mpiJob } from '../test-utils/mpi-job.js';
import { readTrainerState, restoreOptimizer, stepDirName } from '../train/training-checkpoint.js';
import { Trainer } from '../train/trainer.js';
// @ts-expect-error: a plain .mjs module shared with the rank entry (no types)
import { STEPS, TOY_OPTS, toyTask } from './test-fixtures/toy-task.mjs';

if (MPI_UNAVAILABLE) console.warn(`ZeRO tests skipped: ${MPI_UNAVAILABLE}`);

interface Run {
  losses: number[];
  weights: number[][];
  numTensors: number[];
  optimizerBytes: number;
}

/** The toy run on `np` MPI ranks (wasm): rank 0's report, with every rank's optimizer bytes. */
async function train(np: number, data: Record<string, unknown>): Promise<Omit<Run, 'optimizerBytes'> & { optimizerBytes: number[] }> {
  const job = await mpiJob<Run>(np, 'toy-rank.mjs', { backend: 'wasm', ...data }, 1000);
  expect(job.status, job.stderr).toBe(0);
  return { ...job.ranks[0]!, optimizerBytes: job.ranks.map((r) => r.optimizerBytes) };
}

describe.skipIf(MPI_UNAVAILABLE)('ZeRO: sharded AdamW moments (1) and reduce-scattered gradients (2) over 2 ranks', () => {
  let zero0: Awaited<ReturnType<typeof train>>;
  let dir: string;
  beforeAll(async () => {
    await useBackend('wasm');
    zero0 = await train(2, { zeroStage: 0 });
    dir = mkdtempSync(join(tmpdir(), 'dft-zero-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const parameterCount = () => {
    const task = toyTask({ tf, parseConfig, CausalLM, initialParameters });
    const model = task.newModel(1);
    const n = [...model.params.values()].reduce((s, p) => s + p.size, 0);
    model.dispose();
    return n;
  };

  it.each<1 | 2>([1, 2])('stage %i gives the losses and weights of stage 0 (≤ 1e-6); each rank holds half the moments', async (zeroStage) => {
    const r = await train(2, { zeroStage });
    expect(maxAbsDiff(r.weights, zero0.weights)).toBeLessThanOrEqual(1e-6);
    expect(maxAbsDiff([r.losses], [zero0.losses])).toBeLessThanOrEqual(1e-6);
    expect(new Set(r.numTensors).size).toBe(1);
    // Two moments of 4 bytes per parameter: all of them on each rank at stage 0, one contiguous half at stages 1-2.
    const P = parameterCount();
    expect(zero0.optimizerBytes).toEqual([8 * P, 8 * P]);
    expect(r.optimizerBytes).toEqual([8 * Math.ceil(P / 2), 8 * (P - Math.ceil(P / 2))]);
  });

  it('a checkpoint written by 2 ranks at stage 2 resumes on 1 worker and on 3 ranks at stage 1 with the uninterrupted losses (≤ 1e-5)', async () => {
    const whole = await train(2, { zeroStage: 2, save: { dir, after: 2 } });
    expect(maxAbsDiff([whole.losses], [zero0.losses])).toBeLessThanOrEqual(1e-6);
    const ckpt = join(dir, stepDirName(2));
    expect(readTrainerState(ckpt).step).toBe(2);

    // One worker, unsharded: the full moments of the checkpoint.
    const task = toyTask({ tf, parseConfig, CausalLM, initialParameters });
    const { model } = loadPretrained(ckpt);
    const trainer = new Trainer(model, task.ce, TOY_OPTS);
    restoreOptimizer(ckpt, trainer.optimizer, model, 2);
    const single: number[] = [];
    for (const s of [2, 3]) single.push((await trainer.step((task.stepRows(s) as number[][]).map((rows) => ({ batch: rows.map(task.example), weight: rows.length })))).loss);
    const singleWeights = [...model.params.values()].map((p) => Float32Array.from(p.dataSync()));
    trainer.dispose();
    model.dispose();
    expect(maxAbsDiff([single], [whole.losses.slice(2)])).toBeLessThanOrEqual(1e-5);
    expect(maxAbsDiff(singleWeights, whole.weights)).toBeLessThanOrEqual(1e-5);

    // Three ranks at stage 1: each takes its third of the moments.
    const three = await train(3, { zeroStage: 1, resume: ckpt });
    expect(maxAbsDiff([three.losses], [whole.losses.slice(2)])).toBeLessThanOrEqual(1e-5);
    expect(maxAbsDiff(three.weights, whole.weights)).toBeLessThanOrEqual(1e-5);
  });
});
