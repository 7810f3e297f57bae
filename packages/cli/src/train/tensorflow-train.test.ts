import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { availableBackends, type LogRow } from '@dft/core';
import { BIN, readJsonLines, ROOT, tempDir } from '../test-utils/cli-harness.js';

/** The main job's config, cut to 5 steps, without its final evaluation. */
const MAIN_JOB = ['train', '--config', join(ROOT, 'examples', 'dft-zh.json'), '--max-steps', '5', '--final-eval-tasks', ''];
/** A training run takes minutes on a loaded 2-core machine. */
const TIMEOUT_MS = 1_200_000;
const HAS_TENSORFLOW = availableBackends().includes('tensorflow');
if (!HAS_TENSORFLOW) console.warn('dft train --backend tensorflow tests skipped: no tfjs-node here (pnpm setup:tensorflow --wheel <wheel>)');
const BUILT = existsSync(BIN);
if (HAS_TENSORFLOW && !BUILT) console.warn('dft train --backend tensorflow tests skipped: packages/cli/dist is missing (run pnpm build)');

/** Runs `dft train` in its own process; `output` is its stdout and stderr together (ranks print to either). */
async function train(out: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<{ output: string; log: LogRow[] }> {
  const child = spawn(process.execPath, [BIN, ...MAIN_JOB, '--out', out, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const chunks: string[] = [];
  child.stdout.on('data', (d: Buffer) => chunks.push(String(d)));
  child.stderr.on('data', (d: Buffer) => chunks.push(String(d)));
  const code = await new Promise<number | null>((done) => child.on('close', done));
  const output = chunks.join('');
  expect(code, output).toBe(0);
  return { output, log: readJsonLines<LogRow>(join(out, 'log.jsonl')) };
}

describe.runIf(HAS_TENSORFLOW && BUILT)('dft train --backend tensorflow (the main job, 5 steps)', () => {
  let tmp: ReturnType<typeof tempDir>;
  beforeAll(() => void (tmp = tempDir('tensorflow')));
  afterAll(() => tmp.remove());

  it('gives the losses of the default backend within 1e-3 relative, step by step', { timeout: TIMEOUT_MS }, async () => {
    const env = { ...process.env };
    delete env.DFT_BACKEND;
    const ours = await train(join(tmp.dir, 'tensorflow'), ['--backend', 'tensorflow'], env);
    const reference = await train(join(tmp.dir, 'default'), [], env);
    expect(ours.output).toMatch(/dft: backend tensorflow \(@tensorflow\/tfjs-node(-gpu)?, TensorFlow \d+\.\d+\.\d+/);
    expect(reference.output).not.toMatch(/dft: backend tensorflow/);
    expect(ours.log.map((r) => r.step)).toEqual([1, 2, 3, 4, 5]);
    expect(reference.log.map((r) => r.step)).toEqual([1, 2, 3, 4, 5]);
    ours.log.forEach((row, i) => {
      const ref = reference.log[i]!;
      for (const key of ['loss', 'tft', 'lc', 'et'] as const) {
        expect(Math.abs(row[key]! - ref[key]!) / Math.abs(ref[key]!), `step ${row.step} ${key}: ${row[key]} vs ${ref[key]}`).toBeLessThanOrEqual(1e-3);
      }
    });
    // The loss moved: the comparison is between two trainings, not two copies of the start.
    expect(Math.abs(ours.log[4]!.loss - ours.log[0]!.loss)).toBeGreaterThan(1e-2);
  });

  it('--workers 2: each MPI rank starts tensorflow with its own GPU of CUDA_VISIBLE_DEVICES', { timeout: TIMEOUT_MS }, async () => {
    // The launching shell's devices 3 and 5: rank 0 must see only "3", rank 1 only "5".
    const { output, log } = await train(join(tmp.dir, 'workers'), ['--backend', 'tensorflow', '--workers', '2', '--max-steps', '1'], {
      ...process.env,
      CUDA_VISIBLE_DEVICES: '3,5',
    });
    const seen = [...output.matchAll(/dft: backend tensorflow \(.*, CUDA_VISIBLE_DEVICES=([^)]*)\)/g)].map((m) => m[1]).sort();
    expect(seen).toEqual(['3', '5']);
    expect(log.map((r) => r.step)).toEqual([1]);
  });
});
