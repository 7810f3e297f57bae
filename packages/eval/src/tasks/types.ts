import type { TableRows } from '../io/record-rows.js';
import type { QaTask } from '../metrics/qa-score.js';

/** A multiple-choice item: the model scores `context` + `delimiter` + each choice. */
export interface McExample {
  id: string;
  /** May be empty: the continuation is then scored after BOS alone. */
  context: string;
  /** Choice texts as the harness lists them; `acc_norm` divides by their length. */
  choices: string[];
  /** Text between context and choice (the harness's `target_delimiter`: " " or ""). */
  delimiter: string;
  /** Index of the right choice (`acc`, `acc_norm`, `mc1`). */
  gold: number;
  /** TruthfulQA MC2: 1 for every true choice, 0 for false ones. */
  labels?: number[];
}

/** A generative QA item: greedy continuation of `prompt` until "\n", scored against `answers`. */
export interface GenExample {
  id: string;
  prompt: string;
  answers: string[];
}

/** Extractive / open QA (XQuAD, MLQA, MKQA): gold answers (any one counts). */
export interface QaRecord {
  id: string;
  question: string;
  /** Passage (XQuAD, MLQA); empty for MKQA. */
  context: string;
  answers: string[];
}

export type MetricName = 'acc' | 'acc_norm' | 'mc1' | 'mc2' | 'f1' | 'em' | 'f1_lang' | 'em_lang';

interface TaskBase {
  name: string;
  /** Languages the task has prompts for. */
  langs: readonly string[];
  /** Languages run when the caller names the task without one. */
  defaultLangs: readonly string[];
  /** Other spellings of a language accepted in task specs (MKQA calls Chinese `zh_cn`: `zh` → `zh_cn`). */
  langAliases?: Readonly<Record<string, string>>;
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
  /**
   * lm-evaluation-harness's task name for a language and the `metadata.version` of the config whose prompt and
   * metric ours reproduce (results files carry both, so that they compare); default `<name>_<lang>`, version 1.
   */
  harness?: { name(lang: string): string; version(lang: string): number };
}

export interface McTask extends TaskBase {
  kind: 'mc';
  /** The examples of a file in the task's upstream formats. */
  load(path: string, lang: string): Promise<McExample[]>;
  /** Examples from the rows of a Hub Parquet file (the dataset's own field names); absent: no Parquet. */
  fromRows?(rows: TableRows, lang: string): McExample[];
  /**
   * The example the task's prompt builder makes of a record whose fields are `{{field}}` placeholders: the
   * prompt template written into results files, so it cannot drift from the prompt the model saw.
   */
  template(lang: string): McExample;
}

export interface GenTask extends TaskBase {
  kind: 'gen';
  qa: QaTask;
  load(path: string, lang: string): Promise<GenExample[]>;
  fromRows?(rows: TableRows, lang: string): GenExample[];
  template(lang: string): GenExample;
}

export type TaskDef = McTask | GenTask;
