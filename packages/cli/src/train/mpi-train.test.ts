import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { openCheckpoint, type LogRow } from '@dft/core';
import { mpirunUnavailable, netnsHostsUnavailable, runMpirun, withNetnsHosts } from '@dft/mpi/test-utils';
import { BIN, dft, readJson, readJsonLines, stepDirs, tempDir, TINY_LLAMA, writeUniformRecords } from '../test-utils/cli-harness.js';
import { killSpawned, spawnDft } from '../test-utils/spawn-dft.js';
import { resolveConfig } from './config.js';
import { RANK_PIDS_VARIABLE } from './mpi-world.js';
import { gpuOf } from './rank-gpu.js';

/** The ranks run the compiled CLI under mpirun: these tests need `pnpm build`, mpirun and the @dft/mpi addon. */
const UNAVAILABLE = existsSync(BIN) ? mpirunUnavailable() : 'packages/cli/dist is missing (run pnpm build)';
if (UNAVAILABLE) console.warn(`dft train on MPI ranks: tests skipped: ${UNAVAILABLE}`);
const NO_NETNS = UNAVAILABLE ?? netnsHostsUnavailable();
if (NO_NETNS && !UNAVAILABLE) console.warn(`dft train on two namespace hosts: test skipped: ${NO_NETNS}`);

let tmp: ReturnType<typeof tempDir>;
let data: string;

// Checkpoints in float32: the comparisons below are of float32 weights (tiny-llama is float16, whose storage
// rounding would turn differences of 1e-7 into whole float16 steps of 2.4e-4). Global batch 4 of micro-batches of 2:
// one process accumulates 2, or 2 ranks take one each.
const RUN = ['--dtype', 'float32', '--method', 'dft-logits', '--lc-layer', '1', '--et-layer', '2', '--lr', '1e-3', '--warmup-ratio', '0', '--schedule', 'constant', '--global-batch', '4', '--micro-batch', '2', '--epochs', '1', '--backend', 'wasm'];
const TERMS = ['loss', 'tft', 'lc', 'et', 'gradNorm'];

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

function expectSameLosses(log: LogRow[], reference: LogRow[]): void {
  expect(log.map((r) => r.step)).toEqual(reference.map((r) => r.step));
  log.forEach((r, i) => {
    for (const k of TERMS) expect(Math.abs(r[k]! - reference[i]![k]!), `${k} at step ${r.step}`).toBeLessThanOrEqual(1e-5);
  });
}

async function train(out: string, ...args: string[]) {
  const r = await dft('train', '--model', TINY_LLAMA, '--data', data, '--out', out, ...RUN, ...args);
  expect(r.err).not.toMatch(/error/);
  expect(r.code).toBe(0);
  return { ...r, log: readJsonLines<LogRow>(join(out, 'log.jsonl')) };
}

/** `mpirun -np 2 dft train …` as a user starts it (on `hosts` when given), each rank recording its pid in `pids`. */
function mpirunTrain(out: string, args: string[], pids: string, hosts?: Parameters<typeof runMpirun>[0]['hosts']) {
  const command = [process.execPath, BIN, 'train', '--model', TINY_LLAMA, '--data', data, '--out', out, ...RUN, ...args];
  return runMpirun({ np: 2, command, env: { [RANK_PIDS_VARIABLE]: pids, DFT_NATIVE_THREADS: '1' }, hosts, timeoutMs: 240_000 });
}

afterEach(killSpawned);

describe('dft train --workers: configuration', () => {
  const base = { model: 'm', data: 'd', out: 'o', method: 'tft' };
  it('--micro-batch is per rank: the global batch must be a multiple of micro-batch × workers', () => {
    expect(resolveConfig([base], 'cfg.json')).toMatchObject({ workers: 1 });
    expect(resolveConfig([base, { workers: '4', microBatch: '8', globalBatch: '64' }], ['cfg.json', 'command line'])).toMatchObject({ workers: 4, microBatch: 8, globalBatch: 64 });
    expect(() => resolveConfig([base, { workers: '3' }], ['cfg.json', 'command line'])).toThrow(
      'command line: globalBatch 128 is not a multiple of microBatch 8 × workers 3 (microBatch is per rank: globalBatch = microBatch × workers × accumulation steps)',
    );
    expect(() => resolveConfig([{ ...base, workers: 0 }], 'cfg.json')).toThrow('cfg.json: "workers" must be a positive integer, got 0');
    expect(() => resolveConfig([{ ...base, parallel: 'threads' }], 'cfg.json')).toThrow('cfg.json: unknown setting "parallel"');
  });

  it('one GPU per rank: the local rank-th of CUDA_VISIBLE_DEVICES, or of 0..N-1', () => {
    expect([0, 1].map((r) => gpuOf(r, 2, '3,5', undefined))).toEqual(['3', '5']);
    expect([0, 1, 2].map((r) => gpuOf(r, 3, undefined, undefined))).toEqual(['0', '1', '2']);
    expect(() => gpuOf(0, 4, '0,1', undefined)).toThrow('4 ranks on this host need 4 GPUs, but CUDA_VISIBLE_DEVICES lists 2 (0,1)');
  });

  it("under Slurm's --gpus-per-task a rank keeps the device Slurm bound to its task", () => {
    // Slurm sets each task's CUDA_VISIBLE_DEVICES to its own GPU: local ranks 0..3 see "4", "5", "6", "7".
    expect([0, 1, 2, 3].map((r) => gpuOf(r, 4, String(4 + r), '1'))).toEqual(['4', '5', '6', '7']);
    expect(gpuOf(1, 2, '2,3', '2')).toBe('2');
    expect(() => gpuOf(0, 2, undefined, '1')).toThrow('Slurm gave each task 1 GPU(s) (SLURM_GPUS_PER_TASK), but CUDA_VISIBLE_DEVICES is unset for rank 0');
  });
});

describe.skipIf(UNAVAILABLE)('dft train on MPI ranks', () => {
  let single: { out: string; log: LogRow[] };
  beforeAll(async () => {
    tmp = tempDir('mpi-train');
    const raw = join(tmp.dir, 'uniform.json');
    // Steps of 4, 4 and 1 rows: the last leaves rank 1 without a micro-batch (a weight-0 stand-in).
    writeUniformRecords(raw, 9);
    data = join(tmp.dir, 'uniform');
    expect((await dft('prepare', '--input', raw, '--tokenizer', TINY_LLAMA, '--out', data, '--max-length', '128')).code).toBe(0);
    const out = join(tmp.dir, 'single');
    single = { out, log: (await train(out)).log };
  });
  afterAll(() => tmp?.remove());

  it('--workers 2 starts mpirun: 2 ranks × micro-batch 2 give the losses and weights of 1 process accumulating 2 × 2 (≤ 1e-5); only rank 0 writes', async () => {
    const out = join(tmp.dir, 'two');
    const { log, out: stdout } = await train(out, '--workers', '2');
    expect(stdout).toMatch(/dft train: starting 2 ranks on this host with mpirun \(Open MPI\)|dft train: starting 2 ranks on this host with .*: mpirun /);
    expect(stdout).toContain('dft train: 2 MPI ranks, rank 0 on ');
    expectSameLosses(log, single.log);
    // Tokens of the whole global step (both ranks): the counts of one process.
    expect(log.map((r) => r.tokens)).toEqual(single.log.map((r) => r.tokens));
    expect(weightDiff(join(out, 'step-000003'), join(single.out, 'step-000003'))).toBeLessThanOrEqual(1e-5);
    expect(readdirSync(out).sort()).toEqual(['log.jsonl', 'report.html', 'step-000003']);
  });

  it('a checkpoint of 1 process resumes on 2 ranks with the uninterrupted losses (≤ 1e-5)', { timeout: 300_000 }, async () => {
    const out = join(tmp.dir, 'one-then-two');
    await train(out, '--max-steps', '1');
    expect(readJson<{ dataPosition: unknown }>(join(out, 'step-000001', 'trainer_state.json'))).toMatchObject({ dataPosition: { epoch: 0, example: 4 } });
    expectSameLosses((await train(out, '--workers', '2', '--resume-from', 'latest')).log, single.log);
    expect(weightDiff(join(out, 'step-000003'), join(single.out, 'step-000003'))).toBeLessThanOrEqual(1e-5);
  });

  it('a checkpoint of 2 ranks resumes on 1 process with the uninterrupted losses (≤ 1e-5)', { timeout: 300_000 }, async () => {
    const out = join(tmp.dir, 'two-then-one');
    await train(out, '--workers', '2', '--max-steps', '2');
    expectSameLosses((await train(out, '--resume-from', 'latest')).log, single.log);
    expect(weightDiff(join(out, 'step-000003'), join(single.out, 'step-000003'))).toBeLessThanOrEqual(1e-5);
  });

  it('kill -9 of rank 1 under mpirun: the job exits non-zero naming rank 1; the newest checkpoint loads and resumes to the same losses', { timeout: 300_000 }, async () => {
    const out = join(tmp.dir, 'killed');
    const pids = mkdtempSync(join(tmpdir(), 'dft-pids-'));
    // Micro-batch 1, global batch 2: 9 steps per epoch, 100 epochs, a checkpoint every step.
    const job = mpirunTrain(out, ['--micro-batch', '1', '--global-batch', '2', '--epochs', '100', '--save-every', '1'], pids);
    try {
      // Mid-run: once step 2's checkpoint is complete.
      while (!existsSync(join(out, 'step-000002', 'trainer_state.json')) || readdirSync(pids).length < 2) await new Promise((r) => setTimeout(r, 200));
      process.kill(Number(readFileSync(join(pids, 'rank-1.pid'), 'utf8')), 'SIGKILL');
      const r = await job;
      expect(r.status).not.toBe(0);
      expect(r.stderr).toMatch(/rank 1 with PID \d+ on node \S+ exited on signal 9/);
    } finally {
      rmSync(pids, { recursive: true, force: true });
    }
    // Nothing half-written: step folders (each complete), the log and the killed rank 0's lock, stale now (its pid is
    // gone: the next run takes it over); the newest checkpoint resumes like the uninterrupted run.
    expect(readdirSync(out).filter((f) => !/^step-\d{6}$/.test(f)).sort()).toEqual(['.dft-lock', 'log.jsonl']);
    const kept = stepDirs(out).pop()!;
    const step = readJson<{ step: number }>(join(out, kept, 'trainer_state.json')).step;
    expect(kept).toBe(`step-${String(step).padStart(6, '0')}`);
    const reference = join(tmp.dir, 'killed-reference');
    const whole = (await train(reference, '--micro-batch', '1', '--global-batch', '2', '--max-steps', String(step + 2))).log;
    const resumed = (await train(out, '--micro-batch', '1', '--global-batch', '2', '--epochs', '100', '--max-steps', String(step + 2), '--resume-from', 'latest')).log;
    expectSameLosses(resumed, whole);
  });

  it('SIGINT to dft train --workers 2: the ranks finish the step, rank 0 saves, exit 0', async () => {
    const out = join(tmp.dir, 'interrupted');
    const run = spawnDft(['train', '--model', TINY_LLAMA, '--data', data, '--out', out, ...RUN, '--micro-batch', '1', '--global-batch', '2', '--epochs', '100', '--workers', '2']);
    await run.waitFor(/"event":"step","step":1,/);
    run.child.kill('SIGINT');
    expect(await run.exited).toBe(0);
    const log = readJsonLines<LogRow>(join(out, 'log.jsonl'));
    expect(run.stdout()).toContain(`stopped by signal after step ${log.length}; saved`);
    expect(stepDirs(out)).toEqual([`step-${String(log.length).padStart(6, '0')}`]);
    expect(log.length).toBeLessThan(100);
  });

  it.skipIf(NO_NETNS)('two hosts (network namespaces) give the losses of one host', async () => {
    const out = join(tmp.dir, 'two-hosts');
    const pids = mkdtempSync(join(tmpdir(), 'dft-pids-'));
    try {
      const r = await withNetnsHosts((hosts) => mpirunTrain(out, [], pids, hosts));
      expect(r.status, r.stderr).toBe(0);
    } finally {
      rmSync(pids, { recursive: true, force: true });
    }
    expectSameLosses(readJsonLines<LogRow>(join(out, 'log.jsonl')), single.log);
  });
});
