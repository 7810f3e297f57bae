export type ScheduleKind = 'cosine' | 'linear' | 'constant';

/** Where a resumed run whose plan changed picks the schedule up: from `step` on, starting at `lr`. */
export interface ScheduleAnchor {
  step: number;
  lr: number;
}

export interface ScheduleOptions {
  lr: number;
  kind: ScheduleKind;
  /** Steps of linear warmup from 0 to `lr`. */
  warmupSteps: number;
  /** Total optimizer steps of the run (the decay reaches 0 there for cosine and linear). */
  totalSteps: number;
  /**
   * Continue from an anchor instead of from step 0 (a resume with another plan: more steps, another peak or
   * schedule). From `from.step` on, the rate starts at `from.lr` and follows the new plan without a jump: still in
   * warmup, it rises linearly to `lr` at `warmupSteps`, then decays as usual; past warmup, it decays from `from.lr`
   * to 0 at `totalSteps` with the shape of `kind` (constant: stays at `from.lr`). Steps before the anchor use the
   * plain schedule.
   */
  from?: ScheduleAnchor;
}

function decay(kind: ScheduleKind, peak: number, progress: number): number {
  if (kind === 'constant') return peak;
  if (kind === 'linear') return peak * Math.max(0, 1 - progress);
  return peak * Math.max(0, 0.5 * (1 + Math.cos(Math.PI * progress)));
}

/**
 * Learning rate for the update made after `step` completed updates (0-based), as transformers'
 * `get_{cosine,linear,constant}_schedule_with_warmup`: `lr·step/warmup` during warmup, then cosine
 * `lr·½(1 + cos(π·progress))`, linear `lr·(1 − progress)`, or constant (continued from `from` when set).
 */
export function learningRate(step: number, o: ScheduleOptions): number {
  const a = o.from;
  if (a && step >= a.step) {
    if (a.step < o.warmupSteps) {
      if (step < o.warmupSteps) return a.lr + ((o.lr - a.lr) * (step - a.step)) / (o.warmupSteps - a.step);
    } else {
      return decay(o.kind, a.lr, (step - a.step) / Math.max(1, o.totalSteps - a.step));
    }
  }
  if (step < o.warmupSteps) return (o.lr * step) / Math.max(1, o.warmupSteps);
  return decay(o.kind, o.lr, (step - o.warmupSteps) / Math.max(1, o.totalSteps - o.warmupSteps));
}
