import type { GenTask, McTask } from './types.js';

/** The four languages the project evaluates where a task has them all (the upstream sets have more). */
export const FOUR_LANGS = ['en', 'zh', 'vi', 'ar'] as const;

/** A template's stand-in for a record field, in the harness's Jinja form. */
export const placeholder = (field: string): string => `{{${field}}}`;

/** Fields the task builders below fill in when a task file leaves them out. */
type Defaulted = 'kind' | 'defaultLangs' | 'folder';

/** A multiple-choice task; `defaultLangs` (all its languages), `folder` (its name) and `metrics` (acc, acc_norm) may be left out. */
export function mcTask(spec: Omit<McTask, Defaulted | 'metrics'> & Partial<Pick<McTask, Defaulted | 'metrics'>>): McTask {
  return { defaultLangs: spec.langs, folder: spec.name, metrics: ['acc', 'acc_norm'], ...spec, kind: 'mc' };
}

/** A generative QA task; `defaultLangs` (all its languages) and `folder` (its name) may be left out. */
export function genTask(spec: Omit<GenTask, Defaulted> & Partial<Pick<GenTask, Defaulted>>): GenTask {
  return { defaultLangs: spec.langs, folder: spec.name, ...spec, kind: 'gen' };
}
