import { describe, expect, it } from 'vitest';
import { learningRate } from '../train/lr-schedule.js';
import { configFieldName, TRAINING_DEFAULTS, type TrainingConfig } from './training-config.js';
import { changedSettings, checkResumedObjective, OBJECTIVE_SETTINGS, resumedSchedule, scheduleOf } from './resume-plan.js';

const BASE: TrainingConfig = { ...TRAINING_DEFAULTS, model: '/m', data: '/d/train.arrow', out: '/o', method: 'sft', lr: 1e-2, schedule: 'cosine', warmupRatio: 0.25, maxSteps: 4 };

describe('resume: objective and data settings', () => {
  it('finds each changed setting; the same data written another way, and "auto" layers, are no change', () => {
    expect(changedSettings(BASE, { ...BASE, data: ['/d/../d/train.arrow'] }, OBJECTIVE_SETTINGS)).toEqual([]);
    expect(changedSettings(BASE, { ...BASE, data: '/d' }, OBJECTIVE_SETTINGS)).toEqual([]); // the prepared folder of that file
    expect(changedSettings(BASE, { ...BASE, data: '/e/train.arrow' }, OBJECTIVE_SETTINGS)).toEqual([{ key: 'data', from: '/d/train.arrow', to: '/e/train.arrow' }]);
    expect(changedSettings({ ...BASE, lcLayer: 2 }, { ...BASE, lcLayer: 'auto' }, OBJECTIVE_SETTINGS)).toEqual([]);
    expect(changedSettings(BASE, { ...BASE, maxSteps: 8, lr: 1, microBatch: 1, workers: 2 }, OBJECTIVE_SETTINGS)).toEqual([]);
    expect(changedSettings(BASE, { ...BASE, method: 'tft', seed: 7, lambdaEt: 0.5 }, OBJECTIVE_SETTINGS)).toEqual([
      { key: 'method', from: 'sft', to: 'tft' },
      { key: 'lambdaEt', from: 1, to: 0.5 },
      { key: 'seed', from: 42, to: 7 },
    ]);
  });

  it('refuses naming every difference, unless allowConfigChange (then one warning line); settings named by their fields', () => {
    const changed = { ...BASE, method: 'dft-logits' as const, lcLayer: 1, etLayer: 2, maxLength: 256 };
    const differences = 'method "sft" → "dft-logits", lcLayer null → 1, etLayer null → 2, maxLength 512 → 256';
    expect(() => checkResumedObjective(BASE, changed, '/o/step-000004', false, configFieldName)).toThrow(
      `resume: /o/step-000004 was trained with other settings that change the objective or the data: ${differences}; resume with the checkpoint's settings, start a new run in another out, or pass allowConfigChange: true to continue anyway`,
    );
    expect(checkResumedObjective(BASE, changed, '/o/step-000004', true, configFieldName)).toEqual([
      `warning: resuming /o/step-000004 with changed objective/data settings (allowConfigChange: true): ${differences}`,
    ]);
    expect(checkResumedObjective(BASE, { ...BASE, maxSteps: 8 }, '/o/step-000004', false, configFieldName)).toEqual([]);
  });
});

describe('resume: plan changes continue the learning rate', () => {
  it('the same plan keeps the checkpoint\'s schedule (and a saved anchor), without a note', () => {
    expect(resumedSchedule(BASE, BASE, 2, 100)).toEqual({ from: undefined, note: null });
    const anchor = { step: 3, lr: 1e-3 };
    expect(resumedSchedule({ ...BASE, scheduleFrom: anchor }, BASE, 5, 100)).toEqual({ from: anchor, note: null });
  });

  it('--max-steps 4 then 8: the rate goes on from the last one used, down to 0 at step 8, never back up', () => {
    const old = scheduleOf(BASE, 4);
    const usedBefore = [0, 1, 2, 3].map((s) => learningRate(s, old)); // rows of steps 1..4
    const r = resumedSchedule(BASE, { ...BASE, maxSteps: 8 }, 4, 100);
    expect(r.from).toEqual({ step: 3, lr: usedBefore[3] });
    expect(r.note).toBe(`resume with a changed plan (maxSteps 4 → 8): the learning rate continues from the last one used (${usedBefore[3].toExponential(3)}) and decays (cosine) to 0 at step 8`);
    const next = scheduleOf(BASE, 8, r.from);
    const after = [4, 5, 6, 7].map((s) => learningRate(s, next)); // rows of steps 5..8
    expect(after[0]).toBeLessThan(usedBefore[3]);
    for (let i = 1; i < after.length; i++) expect(after[i]).toBeLessThan(after[i - 1]);
    expect(after[0]).toBeCloseTo(usedBefore[3] * 0.5 * (1 + Math.cos(Math.PI / 5)), 15);
    // What a plain rebuild for 8 steps would have done instead: jump back up.
    expect(learningRate(4, scheduleOf(BASE, 8))).toBeGreaterThan(usedBefore[3]);
  });

  it('a new peak scales the continued rate; a constant schedule holds it', () => {
    const r = resumedSchedule(BASE, { ...BASE, maxSteps: 8, lr: 5e-3, schedule: 'constant' }, 4, 100);
    const last = learningRate(3, scheduleOf(BASE, 4));
    expect(r.from!.lr).toBeCloseTo(last / 2, 15);
    expect(r.note).toContain('(maxSteps 4 → 8, lr 0.01 → 0.005, schedule "cosine" → "constant"): the learning rate continues from the last one used (scaled by the new lr,');
    expect(learningRate(6, scheduleOf({ ...BASE, lr: 5e-3, schedule: 'constant' }, 8, r.from))).toBeCloseTo(last / 2, 15);
  });
});
