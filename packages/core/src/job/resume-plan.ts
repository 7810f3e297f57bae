import { basename, dirname, resolve } from 'node:path';
import { learningRate, type ScheduleAnchor, type ScheduleOptions } from '../train/lr-schedule.js';
import type { SettingName, TrainingConfig } from './training-config.js';

/** The saved configuration of a checkpoint: a TrainingConfig, plus the anchor of a schedule continued on an earlier resume. */
export type SavedConfig = Partial<TrainingConfig> & { scheduleFrom?: ScheduleAnchor };

/**
 * Settings that define what is optimised on which examples. A resumed run that changed one of them would mix two
 * objectives (e.g. a dft-logits checkpoint continued with tft: other loss terms and scales) or two data streams
 * (another seed, data, max length or batch reorders or changes the examples after the checkpoint's position).
 */
export const OBJECTIVE_SETTINGS = ['method', 'lcLayer', 'etLayer', 'lambdaLc', 'lambdaEt', 'pool', 'detachTeacher', 'data', 'languages', 'seed', 'maxLength', 'globalBatch', 'bucketByLength'] as const;

/** Settings that only change how long and how fast the run goes on: accepted, with the schedule continued (resumedSchedule). */
export const PLAN_SETTINGS = ['maxSteps', 'epochs', 'lr', 'schedule', 'warmupRatio', 'warmupSteps'] as const;

export interface SettingChange {
  key: string;
  from: unknown;
  to: unknown;
}

/**
 * A comparable form: resolved paths, one list for one or several data sources, absent = undefined. A prepared
 * folder and its `train.arrow` are the same data (a data-parallel job hands its ranks the file).
 */
function comparable(key: string, v: unknown): string {
  if (key !== 'data' || v === undefined) return JSON.stringify(v ?? null);
  const paths = (Array.isArray(v) ? v : [v]).map((p) => resolve(String(p))).map((p) => (basename(p) === 'train.arrow' ? dirname(p) : p));
  return JSON.stringify(paths);
}

export function changedSettings(saved: SavedConfig, current: TrainingConfig, keys: readonly string[]): SettingChange[] {
  const s = saved as Record<string, unknown>;
  const c = current as unknown as Record<string, unknown>;
  return keys
    .filter((k) => !((k === 'lcLayer' || k === 'etLayer') && c[k] === 'auto')) // "auto" takes the saved layer
    .filter((k) => comparable(k, s[k]) !== comparable(k, c[k]))
    .map((k) => ({ key: k, from: s[k], to: c[k] }));
}

const show = (changes: SettingChange[]) => changes.map((d) => `${d.key} ${JSON.stringify(d.from ?? null)} → ${JSON.stringify(d.to ?? null)}`).join(', ');

/**
 * Compares the resumed run's configuration with the checkpoint's. Objective or data changes are refused, naming
 * each, unless `allowConfigChange`; then they are returned as one warning line. `name` names the settings to change.
 */
export function checkResumedObjective(saved: SavedConfig, current: TrainingConfig, checkpoint: string, allowConfigChange: boolean, name: SettingName): string[] {
  const changes = changedSettings(saved, current, OBJECTIVE_SETTINGS);
  if (changes.length === 0) return [];
  if (!allowConfigChange) {
    throw new Error(
      `resume: ${checkpoint} was trained with other settings that change the objective or the data: ${show(changes)}; ` +
        `resume with the checkpoint's settings, start a new run in another ${name('out')}, or pass ${name('allowConfigChange', true)} to continue anyway`,
    );
  }
  return [`warning: resuming ${checkpoint} with changed objective/data settings (${name('allowConfigChange', true)}): ${show(changes)}`];
}

export interface ResumedSchedule {
  /** Where the schedule continues from (undefined: the plain schedule, as in an uninterrupted run). */
  from?: ScheduleAnchor;
  /** One line saying how the schedule continues (null when the plan is unchanged). */
  note: string | null;
}

/** The schedule a configuration implies for a run of `totalSteps` steps. */
export function scheduleOf(c: Pick<TrainingConfig, 'lr' | 'schedule' | 'warmupRatio' | 'warmupSteps'>, totalSteps: number, from?: ScheduleAnchor): ScheduleOptions {
  return { lr: c.lr, kind: c.schedule, warmupSteps: c.warmupSteps ?? Math.ceil(c.warmupRatio * totalSteps), totalSteps, from };
}

/**
 * The learning-rate schedule of a resumed run. With the checkpoint's plan, it is the checkpoint's schedule (so
 * the resumed run is the uninterrupted one). With another plan (max steps, epochs, lr, schedule, warmup), the rate
 * continues from the last one the checkpoint's run used (at update `step − 1`), scaled by new lr / old lr when
 * the peak changed, and then follows the new plan without a jump (ScheduleOptions.from): rising to the peak if the
 * new warmup is not over, else decaying to 0 at the new last step in the new shape.
 * `stepsPerEpoch` is the data's (objective settings are unchanged, so it is the checkpoint's too).
 */
export function resumedSchedule(saved: SavedConfig, current: TrainingConfig, step: number, stepsPerEpoch: number): ResumedSchedule {
  const total = (c: SavedConfig | TrainingConfig) => Math.min((c.epochs ?? current.epochs) * stepsPerEpoch, c.maxSteps ?? Infinity);
  const newTotal = total(current);
  const changes = changedSettings(saved, current, PLAN_SETTINGS);
  if (changes.length === 0 || step === 0) return { from: saved.scheduleFrom, note: null };
  const old = scheduleOf({ lr: saved.lr ?? current.lr, schedule: saved.schedule ?? current.schedule, warmupRatio: saved.warmupRatio ?? current.warmupRatio, warmupSteps: saved.warmupSteps }, total(saved), saved.scheduleFrom);
  const last = learningRate(step - 1, old) * (current.lr / old.lr);
  const from = { step: step - 1, lr: last };
  const next = scheduleOf(current, newTotal, from);
  const how =
    step - 1 < next.warmupSteps
      ? `warms up from ${last.toExponential(3)} to ${current.lr.toExponential(3)} by step ${next.warmupSteps}, then ${current.schedule} to step ${newTotal}`
      : current.schedule === 'constant'
        ? `stays at ${last.toExponential(3)} to step ${newTotal}`
        : `decays (${current.schedule}) to 0 at step ${newTotal}`;
  return { from, note: `resume with a changed plan (${show(changes)}): the learning rate continues from the last one used (${old.lr !== current.lr ? 'scaled by the new lr, ' : ''}${last.toExponential(3)}) and ${how}` };
}
