import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LogRow } from '@dft/core';
import { mpirunUnavailable } from '@dft/mpi/test-utils';
import { BIN, dft, readJson, readJsonLines, tempDir, TINY_LLAMA, writeUniformRecords } from '../test-utils/cli-harness.js';

/**
 * Resume with another layout of the same global batch: the run continues with exactly the examples (and so the
 * losses) of the run that never stopped. The rows tokenise to equal lengths, so that a step's loss does not depend
 * on how its examples are split into micro-batches (each micro-batch's loss is a mean over its own tokens).
 */

/** --workers N starts N MPI ranks of the compiled CLI: those layouts need `pnpm build`, mpirun and the @dft/mpi addon. */
const NO_MPI = existsSync(BIN) ? mpirunUnavailable() : 'packages/cli/dist is missing (run pnpm build)';
if (NO_MPI) console.warn(`resume with --workers skipped: ${NO_MPI}`);

// 9 rows, global batch 4, 2 epochs: steps of 4, 4, 1 per epoch (6 steps), so resumes cross a short step and an epoch.
const RUN = ['--method', 'tft', '--lr', '1e-2', '--warmup-ratio', '0', '--schedule', 'constant', '--global-batch', '4', '--epochs', '2', '--backend', 'wasm', '--seed', '5'];
const TERMS = ['loss', 'gradNorm', 'tokens'] as const;

let tmp: ReturnType<typeof tempDir>;
let data: string;
let uninterrupted: LogRow[];

async function train(out: string, ...args: string[]): Promise<LogRow[]> {
  const r = await dft('train', '--model', TINY_LLAMA, '--data', data, '--out', out, ...RUN, ...args);
  expect(r.err).not.toMatch(/error/);
  expect(r.code).toBe(0);
  return readJsonLines<LogRow>(join(out, 'log.jsonl'));
}

/** Stops after `k` steps of `first` (default micro-batch 1), resumes with `layout` to the end, and compares every step's numbers. */
async function resumeWith(name: string, k: number, layout: string[], first = ['--micro-batch', '1']): Promise<void> {
  const out = join(tmp.dir, name);
  await train(out, ...first, '--max-steps', String(k));
  const log = await train(out, ...layout, '--resume-from', 'latest');
  expect(log.map((r) => r.step)).toEqual([1, 2, 3, 4, 5, 6]);
  expect(log.map((r) => r.epoch)).toEqual(uninterrupted.map((r) => r.epoch));
  log.forEach((r, i) => {
    // Relative for the gradient norm (a sum over every gradient element, in another order when sharded).
    for (const key of TERMS) {
      const [a, b] = [r[key]!, uninterrupted[i]![key]!];
      expect(Math.abs(a - b) / (key === 'gradNorm' ? Math.max(1, Math.abs(b)) : 1), `${key} at step ${r.step}: ${a} vs ${b}`).toBeLessThanOrEqual(1e-5);
    }
  });
}

beforeAll(async () => {
  tmp = tempDir('resume-layouts');
  const raw = join(tmp.dir, 'uniform.json');
  writeUniformRecords(raw, 9);
  data = join(tmp.dir, 'uniform');
  expect((await dft('prepare', '--input', raw, '--tokenizer', TINY_LLAMA, '--out', data, '--max-length', '128')).code).toBe(0);
  uninterrupted = await train(join(tmp.dir, 'uninterrupted'), '--micro-batch', '1');
  expect(uninterrupted.map((r) => r.step)).toEqual([1, 2, 3, 4, 5, 6]);
  // The short step (1 example) closes each epoch: 4 + 4 + 1 examples, twice. The log's epoch is HF's fractional one
  // (epochs done after the step): three steps per epoch, whole at each epoch's short last step.
  expect(uninterrupted.map((r) => Math.round(r.epoch * 3))).toEqual([1, 2, 3, 4, 5, 6]);
  expect([uninterrupted[2]!.epoch, uninterrupted[5]!.epoch]).toEqual([1, 2]);
  expect(uninterrupted[2]!.tokens * 4).toBe(uninterrupted[0]!.tokens);
});
afterAll(() => tmp?.remove());

describe('resume with another layout of the same global batch', () => {
  it('micro-batch 1 → 2 after step 2: the same losses as the uninterrupted run (≤ 1e-5)', async () => {
    await resumeWith('micro', 2, ['--micro-batch', '2']);
    const state = readJson<{ dataPosition: unknown }>(join(tmp.dir, 'micro', 'step-000006', 'trainer_state.json'));
    expect(state.dataPosition).toEqual({ epoch: 2, example: 0 });
  });

  it.skipIf(NO_MPI)('micro-batch 1 → 2 ranks × micro-batch 2 after step 4 (in the second epoch): the same losses (≤ 1e-5)', async () => {
    await resumeWith('workers', 4, ['--micro-batch', '2', '--workers', '2']);
  });

  it.skipIf(NO_MPI)('2 ranks × 2 accumulated micro-batches of 1 with ZeRO-2 (a checkpoint at step 2, the last at 3) → 1 process: the same losses (≤ 1e-5)', async () => {
    await resumeWith('zero', 3, ['--micro-batch', '1'], ['--micro-batch', '1', '--workers', '2', '--zero-stage', '2', '--save-every', '2']);
  });
});
