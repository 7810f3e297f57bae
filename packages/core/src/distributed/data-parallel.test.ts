import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../model/config.js';
import { initialParameters } from '../model/init.js';
import { CausalLM } from '../model/model.js';
import type { BackendName } from '../backend/select-backend.js';
import { TEST_BACKENDS, useBackend } from '../test-utils/fixtures.js';
import { Trainer } from '../train/trainer.js';
import { launchWorkers, type ParallelMode } from './launch.js';
// @ts-expect-error: a plain .mjs module shared with the rank entry (no types)
import { STEPS, TOY_OPTS, toyTask } from './test-fixtures/toy-task.mjs';

/** Worker threads and child processes run the compiled package: these tests need `pnpm build` first. */
const BUILT = existsSync(fileURLToPath(new URL('../../dist/distributed/bootstrap.js', import.meta.url)));
if (!BUILT) console.warn('distributed tests skipped: packages/core/dist is missing (run pnpm build; pnpm test builds first)');
const ENTRY = fileURLToPath(new URL('./test-fixtures/toy-rank.mjs', import.meta.url));

interface ToyResult {
  losses: number[];
  weights: Float32Array[];
  numTensors: number[];
}

/** The same steps on one worker, each micro-batch whole. */
async function singleWorker(): Promise<ToyResult> {
  const task = toyTask({ tf, parseConfig, CausalLM, initialParameters });
  const model = task.newModel(1);
  const trainer = new Trainer(model, task.ce, TOY_OPTS);
  const losses: number[] = [];
  for (let s = 0; s < STEPS.length; s++) {
    const micro = (task.stepRows(s) as number[][]).map((rows) => ({ batch: rows.map(task.example), weight: rows.length }));
    losses.push((await trainer.step(micro)).loss);
  }
  const weights = [...model.params.values()].map((p) => Float32Array.from(p.dataSync()));
  trainer.dispose();
  model.dispose();
  return { losses, weights, numTensors: [] };
}

function maxAbsDiff(a: Float32Array[], b: Float32Array[]): number {
  expect(a.length).toBe(b.length);
  let worst = 0;
  a.forEach((w, i) => {
    expect(w.length).toBe(b[i]!.length);
    w.forEach((x, j) => (worst = Math.max(worst, Math.abs(x - b[i]![j]!))));
  });
  return worst;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe.skipIf(!BUILT)('data-parallel training over a worker group', () => {
  const references = new Map<string, ToyResult>();
  beforeAll(async () => {
    for (const backend of TEST_BACKENDS) {
      await useBackend(backend);
      references.set(backend, await singleWorker());
    }
  });

  // STEPS cover even, uneven and empty shards, alone and within an accumulated step. A capacity of 1000 floats
  // moves the ~6k gradients in several chunks. Processes run cpu (where dataSync returns a tensor's own storage).
  // The native backend (when its addon is built) runs in threads with one BLAS thread each, as dft train sets it.
  // tensorflow runs in processes, one per GPU, as `dft train` starts it.
  const layouts: [ParallelMode, BackendName][] = [
    ['threads', 'wasm'],
    ['processes', 'cpu'],
    ['threads', 'native'],
    ['processes', 'tensorflow'],
  ];
  it.each<[ParallelMode, BackendName]>(layouts.filter(([, backend]) => TEST_BACKENDS.includes(backend)))('%s on %s: 2 workers give the weights and losses of 1 worker (≤ 1e-5)', async (mode, backend) => {
    const reference = references.get(backend)!;
    const steps: number[][] = [[], []];
    const env = () => ({ DFT_NATIVE_THREADS: '1' });
    const group = await launchWorkers({ mode, workers: 2, entry: ENTRY, env, data: { backend }, capacity: 1000, onMessage: (r, m) => steps[r]!.push((m as { step: number }).step) });
    expect(group.pids).toHaveLength(2);
    if (mode === 'processes') expect(new Set(group.pids).size).toBe(2);
    else expect(group.pids).toEqual([process.pid, process.pid]);
    const r = (await group.done) as ToyResult;
    expect(steps).toEqual([[1, 2, 3, 4], [1, 2, 3, 4]]);
    expect(maxAbsDiff(r.weights, reference.weights)).toBeLessThanOrEqual(1e-5);
    // Weights moved (the comparison is not between two untouched models).
    const init = toyTask({ tf, parseConfig, CausalLM, initialParameters }).newModel(1);
    expect(maxAbsDiff([...init.params.values()].map((p) => p.dataSync() as Float32Array), reference.weights)).toBeGreaterThan(1e-3);
    init.dispose();
    r.losses.forEach((l, i) => expect(l).toBeCloseTo(reference.losses[i]!, 5));
    // No tensor leak in the reduce hook: the count is flat from step to step.
    expect(new Set(r.numTensors).size).toBe(1);
  });

  it('threads: a worker that throws stops the group with its message; every thread exits', async () => {
    const group = await launchWorkers({ mode: 'threads', workers: 2, entry: ENTRY, data: { backend: 'wasm', fail: { rank: 1, step: 1, how: 'throw' } } });
    await expect(group.done).rejects.toThrow(/^worker 1 of 2 failed: toy failure at step 1$/);
  });

  it('threads: a worker thread that exits mid-run stops the group', async () => {
    const group = await launchWorkers({ mode: 'threads', workers: 2, entry: ENTRY, data: { backend: 'wasm', fail: { rank: 0, step: 2, how: 'exit' } } });
    await expect(group.done).rejects.toThrow(/^worker 0 of 2 failed: exited with code 7$/);
  });

  it('processes: killing a worker mid-run (SIGKILL) stops the group; no process is left', async () => {
    let group: Awaited<ReturnType<typeof launchWorkers>> | null = null;
    const killed = new Promise<void>((resolve) => {
      void launchWorkers({
        mode: 'processes',
        workers: 2,
        entry: ENTRY,
        data: { backend: 'wasm', slow: 300 },
        onMessage: (rank, m) => {
          if (rank === 1 && (m as { step: number }).step === 1) {
            group!.kill(1);
            resolve();
          }
        },
      }).then((g) => (group = g));
    });
    await killed;
    await expect(group!.done).rejects.toThrow(/^worker 1 of 2 failed: was killed by SIGKILL \(pid \d+\)$/);
    expect(group!.pids.map(alive)).toEqual([false, false]);
  });

  it('replicas that do not start identical are refused, naming the tensor', async () => {
    const group = await launchWorkers({ mode: 'threads', workers: 2, entry: ENTRY, data: { backend: 'wasm', seeds: [1, 2] } });
    await expect(group.done).rejects.toThrow(/^worker 1 of 2 failed: rank 1: parameter model\.embed_tokens\.weight differs from rank 0's: every worker must start from the same weights/);
  });

  it('ranks making different collective calls fail with both calls named (threads and processes)', async () => {
    const threads = await launchWorkers({ mode: 'threads', workers: 2, entry: ENTRY, data: { backend: 'wasm', mismatch: true } });
    await expect(threads.done).rejects.toThrow(/collective mismatch: rank [01] called broadcast \((3|\d+) values, root 0\) while rank [01] called broadcast \(\d+ values, root 0\)/);
    const procs = await launchWorkers({ mode: 'processes', workers: 2, entry: ENTRY, data: { backend: 'wasm', mismatch: true } });
    await expect(procs.done).rejects.toThrow(/^the worker group failed: collective mismatch: rank 0 called broadcast \(\d+ values, root 0\) while rank 1 called broadcast \(3 values, root 0\)/);
  });
});
