import { mkqa } from './mkqa.js';
import { mlqa } from './mlqa.js';
import { mmlu } from './mmlu.js';
import { truthfulqaMc1, truthfulqaMc2 } from './truthfulqa.js';
import type { TaskDef } from './types.js';
import { xcopa } from './xcopa.js';
import { xnli } from './xnli.js';
import { xquad } from './xquad.js';
import { xstorycloze } from './xstorycloze.js';

/**
 * Every task, in the order the CLI lists them. A task is one file in this folder (its loader, prompt, scoring
 * kind and metrics); adding one is that file and a line here.
 */
const ALL: readonly TaskDef[] = [xnli, xcopa, xstorycloze, mmlu, truthfulqaMc1, truthfulqaMc2, xquad, mlqa, mkqa];

export const TASKS: Readonly<Record<string, TaskDef>> = Object.fromEntries(ALL.map((t) => [t.name, t]));

export const TASK_NAMES = Object.keys(TASKS);

export function getTask(name: string): TaskDef {
  const t = TASKS[name];
  if (!t) throw new Error(`eval: unknown task "${name}" (known: ${TASK_NAMES.join(', ')}, with a language as task:lang or the harness's task_lang)`);
  return t;
}
