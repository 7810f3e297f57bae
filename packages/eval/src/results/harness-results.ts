import type { MetricName } from '../tasks/types.js';
import { getTask } from '../tasks/registry.js';
import { harnessTaskName, harnessTaskVersion } from '../tasks/harness-names.js';
import { promptTemplate } from '../tasks/prompt-template.js';
import type { ResultRow } from './rows.js';

/** The harness's metric names: TruthfulQA's mc1 / mc2 are its `acc`, SQuAD-style EM its `exact_match`. */
export const HARNESS_METRIC: Record<MetricName, string> = {
  acc: 'acc',
  acc_norm: 'acc_norm',
  mc1: 'acc',
  mc2: 'acc',
  f1: 'f1',
  em: 'exact_match',
  f1_lang: 'f1_lang',
  em_lang: 'exact_match_lang',
};

/** What produced the results beyond the rows themselves. */
export interface HarnessRunInfo {
  /** The model as given (a path or Hub id); default: the rows' model name. */
  modelPath?: string;
  /** Start of the evaluation, Unix seconds (the harness's `date`). */
  startedAt: number;
  /** Commit of the dft checkout that ran, when known. */
  gitHash: string | null;
}

/** Rows of one (task, language), in first-seen order. */
export function groupRows(rows: readonly ResultRow[]): ResultRow[][] {
  const groups = new Map<string, ResultRow[]>();
  for (const r of rows) {
    const key = `${r.task}:${r.lang}`;
    const g = groups.get(key);
    if (g) g.push(r);
    else groups.set(key, [r]);
  }
  return [...groups.values()];
}

const pick = (c: Record<string, unknown>, key: string) => (c[key] === undefined ? null : c[key]);

function taskConfig(name: string, first: ResultRow): Record<string, unknown> {
  const def = getTask(first.task);
  const template = promptTemplate(first.task, first.lang);
  const hub = def.hub;
  const metrics = [...new Set(def.metrics.map((m) => HARNESS_METRIC[m]))];
  return {
    task: name,
    dataset_path: hub ? hub.path(first.lang) : null,
    dataset_name: hub ? hub.config(first.lang) : null,
    data_file: pick(first.config, 'file'),
    ...template,
    num_fewshot: 0,
    metric_list: metrics.map((metric) => ({ metric, aggregation: 'mean', higher_is_better: true })),
    ...(template.output_type === 'generate_until'
      ? { generation_kwargs: { until: ['\n'], do_sample: false, temperature: 0, max_gen_toks: pick(first.config, 'maxGenTokens') } }
      : {}),
    metadata: { version: harnessTaskVersion(first.task, first.lang) },
  };
}

/**
 * The evaluation in lm-evaluation-harness 0.4's results-file layout: `results` keyed by the harness's task
 * names with `"<metric>,none"` and `"<metric>_stderr,none"` as fractions (our rows hold points), `versions`,
 * `configs` (the prompt used), `n-shot`, `higher_is_better`, `n-samples`, `config`, `git_hash`, `date`.
 */
export function harnessResults(rows: readonly ResultRow[], info: HarnessRunInfo): Record<string, unknown> {
  if (rows.length === 0) throw new Error('eval: no result rows to write');
  const results: Record<string, Record<string, unknown>> = {};
  const configs: Record<string, unknown> = {};
  const versions: Record<string, number> = {};
  const nShot: Record<string, number> = {};
  const higher: Record<string, Record<string, boolean>> = {};
  const nSamples: Record<string, { original: unknown; effective: number }> = {};
  let seconds = 0;
  for (const group of groupRows(rows)) {
    const first = group[0];
    const name = harnessTaskName(first.task, first.lang);
    const entry: Record<string, unknown> = { alias: name };
    higher[name] = {};
    for (const r of group) {
      const metric = HARNESS_METRIC[r.metric];
      entry[`${metric},none`] = r.value / 100;
      // The harness writes "N/A" where a standard error cannot be computed (one example).
      entry[`${metric}_stderr,none`] = r.stderr === null ? 'N/A' : r.stderr / 100;
      higher[name][metric] = true;
    }
    results[name] = entry;
    configs[name] = taskConfig(name, first);
    versions[name] = harnessTaskVersion(first.task, first.lang);
    nShot[name] = 0;
    nSamples[name] = { original: pick(first.config, 'examples') ?? first.n, effective: first.n };
    seconds += first.durationS;
  }
  const c = rows[0].config;
  return {
    results,
    configs,
    versions,
    'n-shot': nShot,
    higher_is_better: higher,
    'n-samples': nSamples,
    config: {
      model: info.modelPath ?? rows[0].model,
      model_name: rows[0].model,
      backend: pick(c, 'backend'),
      batch_size: pick(c, 'batchSize'),
      max_length: pick(c, 'maxLength'),
      limit: pick(c, 'limit'),
      random_seed: pick(c, 'seed'),
    },
    git_hash: info.gitHash,
    date: info.startedAt,
    total_evaluation_time_seconds: String(seconds),
  };
}
