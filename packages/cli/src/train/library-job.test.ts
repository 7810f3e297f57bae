import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TrainingJob, type LogRow } from '@dft/core';
import { dft, prepareShortRecords, readJsonLines, stepDirs, tempDir, TINY_LLAMA } from '../test-utils/cli-harness.js';

/*
 * `dft train` is @dft/core's TrainingJob with the settings its flags name: a program that builds the job itself
 * from the same settings trains the same steps (the same numbers in log.jsonl) and writes the same files.
 */

let tmp: ReturnType<typeof tempDir>;
let data: string;
beforeAll(async () => {
  tmp = tempDir('library-job');
  data = await prepareShortRecords(tmp.dir, 4, 64);
});
afterAll(() => tmp.remove());

/** The numbers of a log row that do not depend on timing. */
const numbers = (rows: LogRow[]) => rows.map(({ step, epoch, loss, tft, lc, et, lr, gradNorm, tokens }) => ({ step, epoch, loss, tft, lc, et, lr, gradNorm, tokens }));

describe('dft train = TrainingJob', () => {
  it('the same settings give the same log, checkpoints and report from the command and from a program', async () => {
    const cli = join(tmp.dir, 'cli');
    const r = await dft('train', '--model', TINY_LLAMA, '--data', data, '--out', cli, '--method', 'dft-logits', '--lc-layer', '1', '--et-layer', '2',
      '--micro-batch', '1', '--global-batch', '2', '--lr', '1e-3', '--warmup-ratio', '0', '--max-steps', '3', '--save-every', '2');
    expect(r.code, r.err).toBe(0);
    const library = join(tmp.dir, 'library');
    const steps: LogRow[] = [];
    const result = await new TrainingJob(
      { model: TINY_LLAMA, data, out: library, method: 'dft-logits', lcLayer: 1, etLayer: 2, microBatch: 1, globalBatch: 2, lr: 1e-3, warmupRatio: 0, maxSteps: 3, saveEvery: 2 },
      { onStep: (row) => steps.push(row) },
    ).train();
    const logged = readJsonLines<LogRow>(join(cli, 'log.jsonl'));
    expect(logged).toHaveLength(3);
    expect(logged.every((row) => Number.isFinite(row.loss) && row.loss > 0)).toBe(true);
    expect(numbers(steps)).toEqual(numbers(logged));
    expect(numbers(readJsonLines<LogRow>(join(library, 'log.jsonl')))).toEqual(numbers(logged));
    expect(result).toMatchObject({ stoppedBy: 'maxSteps', steps: 3, checkpoint: join(library, 'step-000003'), report: join(library, 'report.html') });
    expect(stepDirs(cli)).toEqual(['step-000002', 'step-000003']);
    expect(stepDirs(library)).toEqual(stepDirs(cli));
    expect(existsSync(join(cli, 'report.html')) && existsSync(result.report)).toBe(true);
  }, 600_000);
});
