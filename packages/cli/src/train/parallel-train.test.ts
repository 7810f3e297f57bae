import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { openCheckpoint, type LogRow } from '@dft/core';
import { BIN, dft, readJson, readJsonLines, ROOT, stepDirs, tempDir, TINY_LLAMA, writeUniformRecords } from '../test-utils/cli-harness.js';
import { killSpawned, spawnDft } from '../test-utils/spawn-dft.js';
import { resolveConfig } from './config.js';
import { gpuOf, parallelMode } from './parallel-train.js';

/** `dft train --workers N`: ranks run the compiled packages, so these tests need `pnpm build` first. */
const BUILT = ['packages/cli/dist/train/worker-entry.js', 'packages/core/dist/distributed/bootstrap.js'].every((f) => existsSync(join(ROOT, f)));
if (!BUILT) console.warn('dft train --workers tests skipped: packages/*/dist is missing (run pnpm build; pnpm test builds first)');

let tmp: ReturnType<typeof tempDir>;
let data: string;

// Checkpoints in float32: the comparisons below are of float32 weights (tiny-llama is float16, whose storage
// rounding would turn differences of 1e-7 into whole float16 steps of 2.4e-4).
const RUN = ['--dtype', 'float32', '--method', 'dft-logits', '--lc-layer', '1', '--et-layer', '2', '--lr', '1e-3', '--warmup-ratio', '0', '--schedule', 'constant', '--global-batch', '4', '--micro-batch', '4', '--epochs', '1', '--backend', 'wasm'];

/** Largest |a − b| over every tensor of two checkpoints (which must hold the same tensors). */
function weightDiff(a: string, b: string): number {
  const [ca, cb] = [openCheckpoint(a), openCheckpoint(b)];
  try {
    expect(ca.names).toEqual(cb.names);
    let worst = 0;
    for (const name of ca.names) {
      const [x, y] = [ca.read(name), cb.read(name)];
      for (let i = 0; i < x.length; i++) worst = Math.max(worst, Math.abs(x[i]! - y[i]!));
    }
    return worst;
  } finally {
    ca.close();
    cb.close();
  }
}

async function train(out: string, ...args: string[]) {
  const r = await dft('train', '--model', TINY_LLAMA, '--data', data, '--out', out, ...RUN, ...args);
  expect(r.err).not.toMatch(/error/);
  expect(r.code).toBe(0);
  return { ...r, log: readJsonLines<LogRow>(join(out, 'log.jsonl')) };
}

afterEach(killSpawned);

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('dft train --workers: configuration', () => {
  const base = { model: 'm', data: 'd', out: 'o', method: 'tft' };
  it('workers must be a positive integer dividing microBatch; parallel is auto | threads | processes', () => {
    expect(resolveConfig([base], 'cfg.json')).toMatchObject({ workers: 1, parallel: 'auto' });
    expect(resolveConfig([base, { workers: '4', microBatch: '8' }], ['cfg.json', 'command line'])).toMatchObject({ workers: 4, microBatch: 8 });
    expect(() => resolveConfig([base, { workers: '3' }], ['cfg.json', 'command line'])).toThrow(
      'command line: microBatch 8 is not a multiple of workers 3 (each worker runs microBatch / workers examples per forward pass)',
    );
    expect(() => resolveConfig([{ ...base, workers: 0 }], 'cfg.json')).toThrow('cfg.json: "workers" must be a positive integer, got 0');
    expect(() => resolveConfig([{ ...base, parallel: 'gpus' }], 'cfg.json')).toThrow('cfg.json: "parallel" must be one of auto, threads, processes, got "gpus"');
  });

  it('auto mode: processes for tensorflow, threads for cpu/wasm; one GPU per process from CUDA_VISIBLE_DEVICES', () => {
    const c = resolveConfig([base], 'cfg.json');
    expect(parallelMode({ ...c, backend: 'wasm' })).toBe('threads');
    expect(parallelMode({ ...c, backend: 'tensorflow' })).toBe('processes');
    expect(parallelMode({ ...c, backend: 'wasm', parallel: 'processes' })).toBe('processes');
    expect([0, 1].map((r) => gpuOf(r, 2, '3,5'))).toEqual(['3', '5']);
    expect([0, 1, 2].map((r) => gpuOf(r, 3, undefined))).toEqual(['0', '1', '2']);
    expect(() => gpuOf(0, 4, '0,1')).toThrow('--workers 4 needs 4 GPUs, but CUDA_VISIBLE_DEVICES lists 2 (0,1)');
  });
});

describe.skipIf(!BUILT)('dft train --workers: replicas', () => {
  let single: { out: string; log: LogRow[] };
  beforeAll(async () => {
    tmp = tempDir('parallel');
    const raw = join(tmp.dir, 'uniform.json');
    // Steps of 4, 4 and 1 rows: the last leaves rank 1 an empty shard.
    writeUniformRecords(raw, 9);
    data = join(tmp.dir, 'uniform');
    expect((await dft('prepare', '--input', raw, '--tokenizer', TINY_LLAMA, '--out', data, '--max-length', '128')).code).toBe(0);
    const out = join(tmp.dir, 'single');
    single = { out, log: (await train(out)).log };
  });
  afterAll(() => tmp?.remove());

  it('threads: 2 workers × 2 rows give the weights and log of 1 worker × 4 rows; only rank 0 writes', async () => {
    const out = join(tmp.dir, 'threads');
    const { log, out: stdout } = await train(out, '--workers', '2');
    expect(stdout).toContain('dft train: 2 workers (threads), each forward pass of 4 examples split 2 per worker');
    expect(weightDiff(join(out, 'step-000003'), join(single.out, 'step-000003'))).toBeLessThanOrEqual(1e-5);
    expect(log.map((r) => r.step)).toEqual([1, 2, 3]);
    // Tokens of the whole global step (both ranks): the same counts as one worker's.
    expect(log.map((r) => r.tokens)).toEqual(single.log.map((r) => r.tokens));
    log.forEach((r, i) => {
      for (const k of ['loss', 'tft', 'lc', 'et', 'gradNorm']) expect(r[k], `${k} at step ${r.step}`).toBeCloseTo(single.log[i]![k]!, 4);
    });
    expect(readdirSync(out).sort()).toEqual(['log.jsonl', 'report.html', 'step-000003']);
  });

  it('processes: a checkpoint of 1 worker resumes with 2 worker processes and ends with the uninterrupted run weights', async () => {
    const out = join(tmp.dir, 'resumed');
    await train(out, '--max-steps', '1');
    const state = readJson<{ step: number; dataPosition: unknown }>(join(out, 'step-000001', 'trainer_state.json'));
    expect(state).toMatchObject({ step: 1, dataPosition: { epoch: 0, example: 4 } });
    const { log, out: stdout } = await train(out, '--workers', '2', '--parallel', 'processes', '--resume-from', 'latest');
    expect(stdout).toMatch(/worker processes: rank 0 pid \d+, rank 1 pid \d+/);
    expect(log.map((r) => r.step)).toEqual([1, 2, 3]);
    expect(log[2]!.loss).toBeCloseTo(single.log[2]!.loss, 4);
    expect(weightDiff(join(out, 'step-000003'), join(single.out, 'step-000003'))).toBeLessThanOrEqual(1e-5);
  });

  it.skipIf(!existsSync(BIN))('killing a worker process mid-run stops the job (exit 1, naming it); the last checkpoint stays valid', async () => {
    const out = join(tmp.dir, 'killed');
    const run = spawnDft(['train', '--model', TINY_LLAMA, '--data', data, '--out', out, ...RUN, '--method', 'tft', '--micro-batch', '2', '--global-batch', '2', '--epochs', '100', '--save-every', '1', '--workers', '2', '--parallel', 'processes']);
    const m = await run.waitFor(/rank 0 pid (\d+), rank 1 pid (\d+)/);
    const pids = [Number(m[1]), Number(m[2])];
    // Mid-run: after step 2 (a checkpoint exists), with 100 epochs still to go.
    await run.waitFor(/"event":"step","step":2,/);
    process.kill(pids[1]!, 'SIGKILL');
    expect(await run.exited).toBe(1);
    const kept = stepDirs(out).pop()!;
    expect(run.stderr()).toMatch(new RegExp(`dft train: error: worker 1 of 2 failed: was killed by SIGKILL \\(pid ${pids[1]}\\); the last checkpoint is ${join(out, kept)}`));
    expect(pids.map(alive)).toEqual([false, false]);
    // Nothing half-written: step folders (each complete) and the log; the kept checkpoint loads.
    expect(readdirSync(out).filter((f) => !/^step-\d{6}$/.test(f))).toEqual(['log.jsonl']);
    const state = readJson<{ step: number }>(join(out, kept, 'trainer_state.json'));
    expect(kept).toBe(`step-${String(state.step).padStart(6, '0')}`);
    const ckpt = openCheckpoint(join(out, kept));
    expect(ckpt.names).toContain('model.embed_tokens.weight');
    expect(ckpt.read('lm_head.weight').every(Number.isFinite)).toBe(true);
    ckpt.close();
  });

  it.skipIf(!existsSync(BIN))('SIGINT to dft train --workers 2: rank 0 finishes the step and saves, every worker stops, exit 0', async () => {
    const out = join(tmp.dir, 'interrupted');
    const run = spawnDft(['train', '--model', TINY_LLAMA, '--data', data, '--out', out, ...RUN, '--method', 'tft', '--micro-batch', '2', '--global-batch', '2', '--epochs', '100', '--workers', '2']);
    await run.waitFor(/"event":"step","step":1,/);
    run.child.kill('SIGINT');
    expect(await run.exited).toBe(0);
    const log = readJsonLines<LogRow>(join(out, 'log.jsonl'));
    expect(run.stdout()).toContain(`stopped by signal after step ${log.length}; saved`);
    expect(stepDirs(out)).toEqual([`step-${String(log.length).padStart(6, '0')}`]);
    expect(log.length).toBeLessThan(50);
  });
});
