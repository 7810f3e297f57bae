import { TASKS } from './registry.js';

/**
 * lm-evaluation-harness's name for one of our tasks in a language: `xnli_zh`, `xcopa_vi`, `xstorycloze_ar`,
 * `mmlu` (English) / `m_mmlu_zh` (Okapi), `truthfulqa_mc2` / `truthfulqa_zh_mc2` (Okapi), `xquad_zh`,
 * `mlqa_zh_zh` (context and question language). MKQA has no harness task; it follows the same `task_lang` form.
 * A task file names its own where it is not `task_lang`.
 */
export function harnessTaskName(task: string, lang: string): string {
  return TASKS[task]?.harness?.name(lang) ?? `${task}_${lang}`;
}

/**
 * The harness's `metadata.version` of the task config whose prompt and metric ours reproduce (our own 1.0 for
 * MKQA, which the harness lacks): results files carry it as the harness does, so that they compare.
 */
export function harnessTaskVersion(task: string, lang: string): number {
  return TASKS[task]?.harness?.version(lang) ?? 1;
}

let byHarnessName: Map<string, { task: string; lang: string }> | null = null;

/** Our task and language for a harness task name (`xcopa_zh` → xcopa, zh), or null when it names none of ours. */
export function fromHarnessName(name: string): { task: string; lang: string } | null {
  if (!byHarnessName) {
    byHarnessName = new Map();
    for (const def of Object.values(TASKS)) for (const lang of def.langs) byHarnessName.set(harnessTaskName(def.name, lang), { task: def.name, lang });
  }
  return byHarnessName.get(name) ?? null;
}
