import { fromHarnessName } from './harness-names.js';
import { getTask, TASKS } from './registry.js';
import type { TaskDef } from './types.js';

/** One (task, language) pair to evaluate. */
export interface TaskRef {
  task: string;
  lang: string;
}

/** A task's own code for a language, where the task spells it differently (MKQA calls Chinese `zh_cn`). */
function canonicalLang(task: TaskDef, lang: string): string {
  return task.langAliases?.[lang] ?? lang;
}

function checkLang(task: TaskDef, lang: string, spec: string): string {
  const l = canonicalLang(task, lang);
  if (!task.langs.includes(l)) {
    throw new Error(`eval: "${spec}": task ${task.name} has no language "${lang}" (it has: ${task.langs.join(', ')})`);
  }
  return l;
}

/**
 * Parses task specs such as `xnli:zh`, `xquad` or `mkqa:zh_cn`, or lm-evaluation-harness task names such as
 * `xcopa_zh`, `mlqa_zh_zh` or `m_mmlu_vi` (one task and language each). A spec without a language runs `langs`
 * (those of them the task has) or, when `langs` is not given, the task's default languages. Duplicates are
 * dropped; an unknown task or an explicit unknown language is an error.
 */
export function parseTaskSpecs(specs: readonly string[], langs?: readonly string[]): TaskRef[] {
  if (specs.length === 0) throw new Error('eval: no tasks given');
  const out: TaskRef[] = [];
  const seen = new Set<string>();
  const add = (task: string, lang: string) => {
    const key = `${task}:${lang}`;
    if (!seen.has(key)) {
      seen.add(key);
      out.push({ task, lang });
    }
  };
  for (const raw of specs) {
    const spec = raw.trim();
    const m = /^([a-z0-9_]+)(?::([A-Za-z_]+))?$/.exec(spec);
    if (!m) throw new Error(`eval: bad task spec "${raw}" (expected task, task:lang or a harness name, e.g. xnli:zh or xnli_zh)`);
    const harness = m[1] in TASKS || m[2] !== undefined ? null : fromHarnessName(m[1]);
    if (harness) {
      add(harness.task, harness.lang);
      continue;
    }
    const task = getTask(m[1]);
    if (m[2] !== undefined) {
      add(task.name, checkLang(task, m[2], spec));
      continue;
    }
    if (langs === undefined) {
      task.defaultLangs.forEach((l) => add(task.name, l));
      continue;
    }
    const picked = langs.map((l) => canonicalLang(task, l)).filter((l) => task.langs.includes(l));
    if (picked.length === 0) {
      throw new Error(`eval: task ${task.name} has none of the languages ${langs.join(', ')} (it has: ${task.langs.join(', ')})`);
    }
    picked.forEach((l) => add(task.name, l));
  }
  return out;
}
