import * as tf from '@tensorflow/tfjs-core';
import type { CausalLM } from '@dft/core';
import type { Tokenizer } from '@dft/tokenizer';
import type { GenExample, McExample } from './tasks/types.js';
import { toRows, type ResultRow } from './results/rows.js';
import { greedyAnswers } from './scoring/greedy-answers.js';
import { loglikelihoods } from './scoring/loglikelihood.js';
import { mcScores, type McPrediction } from './scoring/mc-metrics.js';
import { qaScores, type QaPrediction } from './scoring/qa-metrics.js';
import { tokenizeMc } from './scoring/tokenize-mc.js';
import { truncateRequests } from './scoring/truncate.js';
import { loadTask, type LoadedTask, type TaskDataOptions } from './tasks/load-task.js';
import { sampleExamples } from './tasks/sample.js';
import { parseTaskSpecs } from './tasks/task-spec.js';

export interface EvalProgress {
  task: string;
  lang: string;
  /** 0-based index of this (task, language) among all of the run's. */
  index: number;
  total: number;
  /** Examples of this task evaluated so far (`phase: 'batch'`), or all of them (`'done'`); 0 at `'start'`. */
  done: number;
  /** Examples this task evaluates. */
  n: number;
  phase: 'start' | 'batch' | 'done';
}

export interface EvaluateOptions extends TaskDataOptions {
  model: CausalLM;
  tokenizer: Tokenizer | null | undefined;
  /** `xnli:zh`, `xquad`, … (a task without a language runs `langs`, or its default languages). */
  tasks: readonly string[];
  langs?: readonly string[];
  /** Examples per forward pass (multiple choice) / prompts decoded together (QA). Default 8. */
  batchSize?: number;
  /** Examples per task: a count, or a fraction in (0, 1). Default: all. */
  limit?: number;
  /** With `limit`, pick a seeded random subset instead of the first examples. */
  seed?: number;
  /** Model positions (default: `max_position_embeddings` of the config). */
  maxLength?: number;
  /** Most tokens generated per QA answer. Default 64. */
  maxGenTokens?: number;
  /** Name in the result rows and file names. Default `model`. */
  modelName?: string;
  onProgress?: (p: EvalProgress) => void;
}

export type ExamplePrediction = McPrediction | QaPrediction;

/** One (task, language) as it ran: the examples evaluated and what each came to, in the same order. */
export type TaskRun = {
  task: string;
  lang: string;
  /** Each example's 0-based position in the task's file (the harness's `doc_id`). */
  docIds: number[];
  maxGenTokens: number | null;
} & (
  | { kind: 'mc'; examples: McExample[]; predictions: McPrediction[] }
  | { kind: 'gen'; examples: GenExample[]; predictions: QaPrediction[] }
);

export interface EvaluateResult {
  rows: ResultRow[];
  /** Per-example outcomes keyed `task:lang`. */
  predictions: Record<string, ExamplePrediction[]>;
  /** Every (task, language) with its examples, for `--log-samples`. */
  runs: TaskRun[];
  /** When the evaluation started (Unix seconds, the harness's `date`). */
  startedAt: number;
}

interface RunContext {
  tokenizer: Tokenizer;
  batchSize: number;
  maxLength: number;
  onStart: (n: number) => void;
  onBatch: (done: number, total: number) => void;
}

async function runTask(loaded: LoadedTask, opts: EvaluateOptions, run: RunContext) {
  const { tokenizer, batchSize, maxLength, onBatch } = run;
  const sampling = { limit: opts.limit, seed: opts.seed };
  const position = new Map<object, number>(loaded.examples.map((ex, i) => [ex, i]));
  const base = (examples: readonly object[], maxGenTokens: number | null) => ({
    task: loaded.def.name,
    lang: loaded.lang,
    docIds: examples.map((ex) => position.get(ex)!),
    maxGenTokens,
  });
  if (loaded.kind === 'mc') {
    const examples = sampleExamples(loaded.examples, sampling);
    run.onStart(examples.length);
    const requests = await Promise.all(examples.map((ex) => tokenizeMc(tokenizer, ex)));
    const fitted = truncateRequests(requests, maxLength, examples.map((ex) => ex.id));
    const lls = loglikelihoods(opts.model, fitted.requests, { batchSize, onBatch });
    const scored = mcScores(loaded.def.metrics, examples, lls);
    const taskRun: TaskRun = { kind: 'mc', ...base(examples, null), examples, predictions: scored.predictions };
    return { ...scored, truncated: fitted.truncated, extra: {}, taskRun };
  }
  const examples = sampleExamples(loaded.examples, sampling);
  run.onStart(examples.length);
  const maxGenTokens = opts.maxGenTokens ?? 64;
  const gen = await greedyAnswers(opts.model, tokenizer, examples.map((ex) => ex.prompt), { batchSize, maxGenTokens, maxLength, onBatch });
  const scored = qaScores(loaded.def.qa, loaded.lang, loaded.def.metrics, examples, gen.texts);
  const taskRun: TaskRun = { kind: 'gen', ...base(examples, maxGenTokens), examples, predictions: scored.predictions };
  return { ...scored, truncated: gen.truncated, extra: { maxGenTokens, generatedTokens: gen.tokens }, taskRun };
}

/**
 * Zero-shot evaluation of a model on tasks × languages (docs/design.md, "Evaluation protocols"; lm-evaluation-harness conventions).
 * Every task's data is loaded and checked before the model runs, so a missing or malformed file fails fast.
 */
export async function evaluate(opts: EvaluateOptions): Promise<EvaluateResult> {
  const startedAt = Date.now() / 1000;
  const { tokenizer } = opts;
  if (!tokenizer) throw new Error('eval: a tokenizer is required (the model directory has no tokenizer.json?)');
  const batchSize = opts.batchSize ?? 8;
  const maxLength = opts.maxLength ?? opts.model.config.maxPositionEmbeddings;
  if (!Number.isInteger(maxLength) || maxLength < 2) throw new Error(`eval: maxLength must be an integer ≥ 2, got ${maxLength}`);
  const model = opts.modelName ?? 'model';
  const refs = parseTaskSpecs(opts.tasks, opts.langs);
  const loaded: LoadedTask[] = [];
  for (const r of refs) loaded.push(await loadTask(r.task, r.lang, opts));
  const rows: ResultRow[] = [];
  const predictions: Record<string, ExamplePrediction[]> = {};
  const runs: TaskRun[] = [];
  const backend = tf.getBackend();
  for (const [index, task] of loaded.entries()) {
    const name = task.def.name;
    const progress = (phase: EvalProgress['phase'], done: number, n: number) =>
      opts.onProgress?.({ task: name, lang: task.lang, index, total: loaded.length, done, n, phase });
    const t0 = performance.now();
    const out = await runTask(task, opts, {
      tokenizer,
      batchSize,
      maxLength,
      onStart: (n) => progress('start', 0, n),
      onBatch: (done, n) => progress('batch', done, n),
    });
    const durationS = (performance.now() - t0) / 1000;
    const n = out.predictions.length;
    const config = {
      file: task.file,
      examples: task.examples.length,
      backend,
      limit: opts.limit ?? null,
      seed: opts.seed ?? null,
      batchSize,
      maxLength,
      ...out.extra,
    };
    rows.push(...toRows(task.def.metrics, out.scores, { model, task: name, lang: task.lang, durationS, truncated: out.truncated, config }));
    predictions[`${name}:${task.lang}`] = out.predictions;
    runs.push(out.taskRun);
    progress('done', n, n);
  }
  return { rows, predictions, runs, startedAt };
}
