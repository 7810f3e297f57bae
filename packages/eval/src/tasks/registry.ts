import type { TableRows } from '../io/json-records.js';
import { loadMkqa } from '../loaders/mkqa.js';
import { loadMmlu, mmluRows } from '../loaders/mmlu.js';
import { loadSquad, squadRows } from '../loaders/squad.js';
import { loadTruthfulQa, truthfulRows } from '../loaders/truthfulqa.js';
import { loadXcopa, xcopaRows } from '../loaders/xcopa.js';
import { loadXnli, xnliRows } from '../loaders/xnli.js';
import { loadXStoryCloze, xstoryclozeRows } from '../loaders/xstorycloze.js';
import type { QaTask } from '../metrics/qa-score.js';
import { mmluExample } from '../prompts/mmlu.js';
import { mkqaExample, mlqaExample, xquadExample } from '../prompts/qa.js';
import { truthfulMc1Example, truthfulMc2Example } from '../prompts/truthfulqa.js';
import type { GenExample, McExample } from '../prompts/types.js';
import { xcopaExample } from '../prompts/xcopa.js';
import { xnliExample } from '../prompts/xnli.js';
import { xstoryclozeExample } from '../prompts/xstorycloze.js';

export type MetricName = 'acc' | 'acc_norm' | 'mc1' | 'mc2' | 'f1' | 'em' | 'f1_lang' | 'em_lang';

interface TaskBase {
  name: string;
  /** Languages the task has prompts for. */
  langs: readonly string[];
  /** Languages run when the caller names the task without one. */
  defaultLangs: readonly string[];
  /** Sub-folder of the data folder holding the upstream files. */
  folder: string;
  /** Files (relative to a folder) tried in order for a language; `.` is the folder itself. */
  candidates(lang: string): string[];
  metrics: readonly MetricName[];
  /**
   * The Hugging Face Hub dataset lm-evaluation-harness reads for a language (`dataset_path`, `dataset_name`) and
   * the splits it evaluates, in order of preference; null where the Hub has no Parquet rows this package reads.
   */
  hub: { path(lang: string): string; config(lang: string): string; splits: readonly string[] } | null;
}

export interface McTask extends TaskBase {
  kind: 'mc';
  load(path: string, lang: string): McExample[];
  /** Examples from the rows of a Hub Parquet file (the dataset's own field names); absent: no Parquet. */
  fromRows?(rows: TableRows, lang: string): McExample[];
}

export interface GenTask extends TaskBase {
  kind: 'gen';
  qa: QaTask;
  load(path: string, lang: string): GenExample[];
  fromRows?(rows: TableRows, lang: string): GenExample[];
}

export type TaskDef = McTask | GenTask;

const FOUR = ['en', 'zh', 'vi', 'ar'] as const;
const MC_METRICS = ['acc', 'acc_norm'] as const;

/** The harness reads English TruthfulQA from the Hub; the translated (Okapi) sets are not on it as Parquet. */
const TRUTHFUL_HUB = { path: () => 'truthfulqa/truthful_qa', config: () => 'multiple_choice', splits: ['validation'] };

const truthful = (lang: string) =>
  lang === 'en' ? ['mc_task.json', 'en_validation.json', 'en.json'] : [`${lang}_validation.json`, `${lang}.json`, `${lang}_validation.jsonl`, `${lang}.jsonl`];

export const TASKS: Record<string, TaskDef> = {
  xnli: {
    name: 'xnli', kind: 'mc', langs: FOUR, defaultLangs: FOUR, folder: 'xnli', metrics: MC_METRICS,
    candidates: (l) => [`test-${l}.tsv`, `dev-${l}.tsv`, 'xnli.test.jsonl', 'xnli.test.tsv', 'xnli.dev.jsonl', 'xnli.dev.tsv'],
    load: (p, l) => loadXnli(p, l).map((r) => xnliExample(r, l)),
    fromRows: (rows, l) => xnliRows(rows, l).map((r) => xnliExample(r, l)),
    hub: { path: () => 'facebook/xnli', config: (l) => l, splits: ['test', 'validation'] },
  },
  xcopa: {
    name: 'xcopa', kind: 'mc', langs: ['en', 'zh', 'vi'], defaultLangs: ['en', 'zh', 'vi'], folder: 'xcopa', metrics: MC_METRICS,
    candidates: (l) => [`${l}/test.${l}.jsonl`, `test.${l}.jsonl`, `${l}/test-${l}.jsonl`, `test-${l}.jsonl`],
    load: (p, l) => loadXcopa(p).map((r) => xcopaExample(r, l)),
    fromRows: (rows, l) => xcopaRows(rows).map((r) => xcopaExample(r, l)),
    hub: { path: () => 'cambridgeltl/xcopa', config: (l) => l, splits: ['test', 'validation'] },
  },
  xstorycloze: {
    name: 'xstorycloze', kind: 'mc', langs: ['en', 'zh', 'ar'], defaultLangs: ['en', 'zh', 'ar'], folder: 'xstorycloze', metrics: MC_METRICS,
    candidates: (l) => [
      `spring2016.val.${l}.tsv.split_20_80_eval.tsv`, `${l}/spring2016.val.${l}.tsv.split_20_80_eval.tsv`,
      `${l}.tsv`, `${l}.csv`, `${l}.jsonl`,
    ],
    load: (p) => loadXStoryCloze(p).map(xstoryclozeExample),
    fromRows: (rows) => xstoryclozeRows(rows).map(xstoryclozeExample),
    hub: { path: () => 'juletxara/xstory_cloze', config: (l) => l, splits: ['eval'] },
  },
  mmlu: {
    name: 'mmlu', kind: 'mc', langs: FOUR, defaultLangs: ['en'], folder: 'mmlu', metrics: MC_METRICS,
    candidates: (l) => (l === 'en' ? ['.'] : [`${l}_test.json`, `${l}.json`, `${l}_test.jsonl`, `${l}.jsonl`, l]),
    load: (p) => loadMmlu(p).map(mmluExample),
    fromRows: (rows) => mmluRows(rows).map(mmluExample),
    hub: { path: (l) => (l === 'en' ? 'cais/mmlu' : 'alexandrainst/m_mmlu'), config: (l) => (l === 'en' ? 'all' : l), splits: ['test'] },
  },
  truthfulqa_mc1: {
    name: 'truthfulqa_mc1', kind: 'mc', langs: FOUR, defaultLangs: ['en'], folder: 'truthfulqa', metrics: ['mc1'],
    candidates: truthful,
    load: (p) => loadTruthfulQa(p).map(truthfulMc1Example),
    fromRows: (rows) => truthfulRows(rows).map(truthfulMc1Example),
    hub: TRUTHFUL_HUB,
  },
  truthfulqa_mc2: {
    name: 'truthfulqa_mc2', kind: 'mc', langs: FOUR, defaultLangs: ['en'], folder: 'truthfulqa', metrics: ['mc2'],
    candidates: truthful,
    load: (p) => loadTruthfulQa(p).map(truthfulMc2Example),
    fromRows: (rows) => truthfulRows(rows).map(truthfulMc2Example),
    hub: TRUTHFUL_HUB,
  },
  xquad: {
    name: 'xquad', kind: 'gen', qa: 'xquad', langs: FOUR, defaultLangs: FOUR, folder: 'xquad', metrics: ['f1', 'em', 'f1_lang', 'em_lang'],
    candidates: (l) => [`xquad.${l}.json`],
    load: (p, l) => loadSquad(p, 'XQuAD').map((r) => xquadExample(r, l)),
    fromRows: (rows, l) => squadRows(rows).map((r) => xquadExample(r, l)),
    hub: { path: () => 'google/xquad', config: (l) => `xquad.${l}`, splits: ['validation'] },
  },
  mlqa: {
    name: 'mlqa', kind: 'gen', qa: 'mlqa', langs: FOUR, defaultLangs: FOUR, folder: 'mlqa', metrics: ['f1', 'em'],
    candidates: (l) => [`test-context-${l}-question-${l}.json`, `dev-context-${l}-question-${l}.json`],
    load: (p) => loadSquad(p, 'MLQA').map(mlqaExample),
    fromRows: (rows) => squadRows(rows).map(mlqaExample),
    hub: { path: () => 'facebook/mlqa', config: (l) => `mlqa.${l}.${l}`, splits: ['test', 'validation'] },
  },
  mkqa: {
    name: 'mkqa', kind: 'gen', qa: 'mkqa', langs: ['en', 'zh_cn', 'vi', 'ar'], defaultLangs: ['en', 'zh_cn', 'vi', 'ar'], folder: 'mkqa', metrics: ['f1', 'em'],
    candidates: () => ['mkqa.jsonl.gz', 'mkqa.jsonl', 'test_mkqa.jsonl.gz', 'test_mkqa.jsonl'],
    load: (p, l) => loadMkqa(p, l).map(mkqaExample),
    // No Parquet: MKQA's ids are 64-bit integers, which Parquet rows read as JS numbers would not keep exactly.
    hub: null,
  },
};

export const TASK_NAMES = Object.keys(TASKS);

export function getTask(name: string): TaskDef {
  const t = TASKS[name];
  if (!t) throw new Error(`eval: unknown task "${name}" (known: ${TASK_NAMES.join(', ')}, with a language as task:lang or the harness's task_lang)`);
  return t;
}
