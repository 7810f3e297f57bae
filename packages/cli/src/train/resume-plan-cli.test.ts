import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { learningRate, TRAINING_DEFAULTS, type LogRow } from '@dft/core';
import { scheduleOf } from '@dft/core/internal';
import { dft, readJsonLines, stepDirs, tempDir, TINY_LLAMA, writeShortRecords } from '../test-utils/cli-harness.js';

/** `dft train --resume-from` with a changed configuration: objective changes refused, plan changes continue the LR. */

let tmp: ReturnType<typeof tempDir>;
let data: string;
let out: string;
const RUN = ['--method', 'sft', '--micro-batch', '1', '--global-batch', '1', '--lr', '1e-2', '--warmup-ratio', '0.25', '--schedule', 'cosine'];
const train = (...extra: string[]) => dft('train', '--model', TINY_LLAMA, '--data', data, '--out', out, ...RUN, ...extra);
const lrs = () => readJsonLines<LogRow>(join(out, 'log.jsonl')).map((r) => r.lr);

beforeAll(async () => {
  tmp = tempDir('resume-plan');
  const raw = join(tmp.dir, 'twelve.json');
  writeShortRecords(raw, 12);
  data = join(tmp.dir, 'twelve');
  expect((await dft('prepare', '--input', raw, '--tokenizer', TINY_LLAMA, '--out', data, '--max-length', '128')).code).toBe(0);
  out = join(tmp.dir, 'run');
  expect((await train('--max-steps', '4')).code).toBe(0);
});
afterAll(() => tmp.remove());

describe('dft train --resume-from with a changed configuration', () => {
  it('refuses objective and data changes, naming each; --allow-config-change is needed to go on', async () => {
    const r = await train('--max-steps', '5', '--resume-from', 'latest', '--method', 'tft', '--seed', '7');
    expect(r.code).toBe(1);
    expect(r.err).toContain(`dft train: error: resume: ${join(out, 'step-000004')} was trained with other settings that change the objective or the data: method "sft" → "tft", seed 42 → 7; resume with the checkpoint's settings, start a new run in another --out, or pass --allow-config-change to continue anyway`);
    expect(lrs()).toHaveLength(4); // nothing was written
    expect(stepDirs(out)).toEqual(['step-000004']);
  });

  it('--max-steps 4 then 8: one line says how the schedule goes on, and the LR continues down without a jump', async () => {
    const before = lrs();
    const plan4 = scheduleOf({ ...TRAINING_DEFAULTS, lr: 1e-2, schedule: 'cosine', warmupRatio: 0.25 }, 4);
    expect(before).toHaveLength(4);
    before.forEach((lr, i) => expect(lr).toBeCloseTo(learningRate(i, plan4), 12));
    const r = await train('--max-steps', '8', '--save-every', '2', '--resume-from', 'latest');
    expect(r.code).toBe(0);
    expect(r.out).toContain(`resume with a changed plan (maxSteps 4 → 8): the learning rate continues from the last one used (${learningRate(3, plan4).toExponential(3)}) and decays (cosine) to 0 at step 8`);
    const all = lrs();
    expect(all.slice(0, 4)).toEqual(before);
    const plan8 = scheduleOf({ ...TRAINING_DEFAULTS, lr: 1e-2, schedule: 'cosine', warmupRatio: 0.25 }, 8, { step: 3, lr: learningRate(3, plan4) });
    all.slice(4).forEach((lr, i) => expect(lr).toBeCloseTo(learningRate(4 + i, plan8), 12));
    for (let i = 4; i < 8; i++) expect(all[i]).toBeLessThan(all[i - 1]);
    expect(stepDirs(out)).toEqual(['step-000006', 'step-000008']);
  });

  it('resuming the continued run with its own plan repeats its schedule exactly (the anchor is in the checkpoint)', async () => {
    const first = lrs();
    const r = await train('--max-steps', '8', '--save-every', '2', '--resume-from', join(out, 'step-000006'));
    expect(r.code).toBe(0);
    expect(r.out).not.toContain('changed plan');
    expect(lrs()).toEqual(first);
  });
});
