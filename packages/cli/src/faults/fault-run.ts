import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { listCheckpoints, loadPretrained, readTrainerState, selectBackend, type LogRow } from '@dft/core';
import { dft, readJsonLines, tempDir, TINY_LLAMA, writeShortRecords } from '../test-utils/cli-harness.js';

/**
 * What the fault tests share: 12 short rows of the real slice, one `dft train` recipe (sft, one example per step,
 * a constant learning rate, so a longer --max-steps changes nothing, a checkpoint every step) and its uninterrupted
 * losses, and the checks every fault ends with.
 */
export const STEPS = 4;

export interface FaultFixture {
  tmp: ReturnType<typeof tempDir>;
  data: string;
  /** Losses of the run that never stopped, step 1..STEPS. */
  losses: number[];
}

/** `dft train` flags of the recipe, writing into `out`. */
export function trainArgs(data: string, out: string, ...extra: string[]): string[] {
  return ['train', '--model', TINY_LLAMA, '--data', data, '--out', out, '--method', 'sft', '--micro-batch', '1', '--global-batch', '1', '--lr', '1e-3', '--warmup-ratio', '0', '--schedule', 'constant', '--seed', '3', '--max-steps', String(STEPS), '--save-every', '1', ...extra];
}

export async function faultFixture(name: string): Promise<FaultFixture> {
  await selectBackend({ log: null });
  const tmp = tempDir(`fault-${name}`);
  const raw = join(tmp.dir, 'twelve.json');
  writeShortRecords(raw, 12);
  const data = join(tmp.dir, 'twelve');
  expect((await dft('prepare', '--input', raw, '--tokenizer', TINY_LLAMA, '--out', data, '--max-length', '128')).code).toBe(0);
  const out = join(tmp.dir, 'uninterrupted');
  const r = await dft(...trainArgs(data, out));
  expect(r.code).toBe(0);
  const losses = readJsonLines<LogRow>(join(out, 'log.jsonl')).map((x) => x.loss);
  expect(losses).toHaveLength(STEPS);
  return { tmp, data, losses };
}

/** Entries of `dir` that are neither complete step folders nor a run's own files: temporary and partial output. */
export function leftovers(dir: string): string[] {
  return readdirSync(dir).filter((n) => !/^step-\d{6}$/.test(n) && !['log.jsonl', 'report.html'].includes(n));
}

/**
 * The newest complete checkpoint of `out` (or `checkpoint`) loads, and resuming it to STEPS (into `resumeOut`,
 * default `out`) logs the uninterrupted run's losses; afterwards nothing temporary is left in `resumeOut`.
 * Returns the step it resumed from (0: there was none, the run started afresh).
 */
export async function expectResumesExactly(f: FaultFixture, out: string, resumeOut = out): Promise<number> {
  const newest = listCheckpoints(out).pop();
  let from = 0;
  if (newest) {
    from = readTrainerState(newest).step;
    expect(newest.endsWith(`step-${String(from).padStart(6, '0')}`)).toBe(true);
    const { model } = loadPretrained(newest, { log: null });
    model.dispose();
  }
  const extra = newest ? ['--resume-from', newest] : ['--overwrite'];
  const r = await dft(...trainArgs(f.data, resumeOut, ...extra));
  expect(r.err).not.toMatch(/error/);
  expect(r.code).toBe(0);
  const log = readJsonLines<LogRow>(join(resumeOut, 'log.jsonl'));
  expect(log.map((x) => x.step)).toEqual(Array.from({ length: STEPS }, (_, i) => i + 1));
  log.forEach((row, i) => expect(Math.abs(row.loss - f.losses[i]!), `loss at step ${row.step} (resumed from ${from})`).toBeLessThanOrEqual(1e-5));
  expect(leftovers(resumeOut)).toEqual([]);
  return from;
}
