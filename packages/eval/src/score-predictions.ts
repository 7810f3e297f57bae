import { describe } from './io/fields.js';
import { integerFieldText, readRows } from './io/record-rows.js';
import { toRows, type ResultRow } from './results/rows.js';
import { qaScores, type QaPrediction } from './scoring/qa-metrics.js';
import { loadTask, type TaskDataOptions } from './tasks/load-task.js';
import { parseTaskSpecs } from './tasks/task-spec.js';

export interface ScorePredictionsOptions extends TaskDataOptions {
  /** One generative task and language, e.g. `xquad:zh` (`mkqa:zh_cn`). */
  task: string;
  /** JSON Lines file of `{id, prediction}` rows. */
  predictions: string;
  /** Name put in the result rows (default `predictions`). */
  model?: string;
}

/** Reads `{id, prediction}` JSON Lines, checking every row (file + line in errors). */
export async function readPredictionsFile(path: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const rec of (await readRows(path, 'predictions', 'jsonl')).records) {
    const { value: o, where: at } = rec;
    if (typeof o.id !== 'string' && typeof o.id !== 'number') throw new Error(`eval: ${at}: "id" must be a string or number, got ${describe(o.id)}`);
    if (typeof o.prediction !== 'string') throw new Error(`eval: ${at}: "prediction" must be a string, got ${describe(o.prediction)}`);
    const id = integerFieldText(rec, 'id');
    if (out.has(id)) throw new Error(`eval: ${at}: duplicate prediction for id "${id}"`);
    out.set(id, o.prediction);
  }
  if (out.size === 0) throw new Error(`eval: ${path} holds no predictions`);
  return out;
}

/**
 * Scores a file of answers generated elsewhere against a QA task's gold answers (no model needed): the rows
 * cover the examples the file answers; an id the task does not have is an error.
 */
export async function scorePredictionsFile(opts: ScorePredictionsOptions): Promise<{ rows: ResultRow[]; predictions: QaPrediction[] }> {
  const t0 = performance.now();
  const refs = parseTaskSpecs([opts.task]);
  if (refs.length !== 1 || !opts.task.includes(':')) throw new Error(`eval: name one task and language to score predictions, e.g. xquad:zh (got "${opts.task}")`);
  const { task, lang } = refs[0];
  const loaded = await loadTask(task, lang, opts);
  if (loaded.kind !== 'gen') throw new Error(`eval: ${task} is multiple choice; only xquad, mlqa and mkqa predictions can be scored from a file`);
  const preds = await readPredictionsFile(opts.predictions);
  const byId = new Map(loaded.examples.map((ex) => [ex.id, ex]));
  for (const id of preds.keys()) {
    if (!byId.has(id)) throw new Error(`eval: ${opts.predictions}: id "${id}" is not a question of ${task}:${lang} (${loaded.file})`);
  }
  const examples = [...preds.keys()].map((id) => byId.get(id)!);
  const scored = qaScores(loaded.def.qa, lang, loaded.def.metrics, examples, [...preds.values()]);
  const rows = toRows(loaded.def.metrics, scored.scores, {
    model: opts.model ?? 'predictions',
    task,
    lang,
    durationS: (performance.now() - t0) / 1000,
    truncated: 0,
    config: { file: loaded.file, predictions: opts.predictions, answered: examples.length, questions: loaded.examples.length },
  });
  return { rows, predictions: scored.predictions };
}
