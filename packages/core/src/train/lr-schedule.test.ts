import { describe, expect, it } from 'vitest';
import { learningRate, type ScheduleOptions } from './lr-schedule.js';

describe('learning-rate schedule continued from an anchor (a resume with another plan)', () => {
  const base = { lr: 1e-2, warmupSteps: 2, totalSteps: 8 };

  it('past warmup: starts at the anchor rate and decays to 0 at the new last step in the shape of the kind', () => {
    const from = { step: 3, lr: 4e-3 };
    const cos: ScheduleOptions = { ...base, kind: 'cosine', from };
    expect(learningRate(3, cos)).toBe(4e-3);
    expect(learningRate(3 + 5 / 2, cos)).toBeCloseTo(2e-3, 15); // half way from step 3 to step 8
    expect(learningRate(8, cos)).toBeCloseTo(0, 15);
    expect(learningRate(5, { ...base, kind: 'linear', from })).toBeCloseTo(4e-3 * (1 - 2 / 5), 15);
    expect(learningRate(6, { ...base, kind: 'constant', from })).toBe(4e-3);
    // Before the anchor: the plain schedule (the steps the checkpoint's run already made).
    expect(learningRate(1, cos)).toBe(learningRate(1, { ...base, kind: 'cosine' }));
    // Monotone without a jump.
    const rates = [3, 4, 5, 6, 7, 8].map((s) => learningRate(s, cos));
    for (let i = 1; i < rates.length; i++) expect(rates[i]).toBeLessThan(rates[i - 1]);
  });

  it('still in the new warmup: rises linearly from the anchor rate to the peak, then the plain decay', () => {
    const o: ScheduleOptions = { lr: 1e-2, warmupSteps: 4, totalSteps: 10, kind: 'cosine', from: { step: 1, lr: 2e-3 } };
    expect(learningRate(1, o)).toBe(2e-3);
    expect(learningRate(2, o)).toBeCloseTo(2e-3 + (8e-3 * 1) / 3, 15);
    expect(learningRate(4, o)).toBe(learningRate(4, { ...o, from: undefined }));
    expect(learningRate(4, o)).toBeCloseTo(1e-2, 15);
    expect(learningRate(7, o)).toBe(learningRate(7, { ...o, from: undefined }));
  });
});
