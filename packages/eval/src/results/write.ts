import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '@dft/util';
import type { TaskRun } from '../evaluate.js';
import { harnessTaskName } from '../tasks/harness-names.js';
import { gitHash } from './git-hash.js';
import { groupRows, harnessResults } from './harness-results.js';
import { resultsMarkdown } from './markdown.js';
import type { ResultRow } from './rows.js';
import { sampleLines } from './samples.js';

/** A file-name-safe form of a model name or path (`/models/llama-2-7b/` → `llama-2-7b`). */
export function slug(name: string): string {
  const last = name.replace(/[\\/]+$/, '').split(/[\\/]/).pop() ?? name;
  const s = last.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '');
  return s === '' ? 'model' : s;
}

/** Stable names, so that two runs of the same model land on the same files and runs of two models side by side. */
export function resultFileNames(model: string): { json: string; markdown: string } {
  const s = slug(model);
  return { json: `eval-${s}.json`, markdown: `eval-${s}.md` };
}

export function predictionsFileName(model: string, task: string, lang: string): string {
  return `eval-${slug(model)}-${task}-${lang}.predictions.jsonl`;
}

/** The harness's file-name timestamp: an ISO date with `-` for `:` (`2026-12-05T18-45-44.123`). */
export function fileTimestamp(ms: number): string {
  return new Date(ms).toISOString().replace(/:/g, '-').replace(/Z$/, '');
}

export interface WriteResultsOptions {
  /** The evaluation's runs (`evaluate(...).runs`): needed for `predictions` and `logSamples`. */
  runs?: readonly TaskRun[];
  /** Write `eval-<model>-<task>-<lang>.predictions.jsonl` per task. */
  predictions?: boolean;
  /** Write the harness's `samples_<task>_<timestamp>.jsonl` per task. */
  logSamples?: boolean;
  /** The model as given (path or Hub id) for the results file's `config.model`. */
  modelPath?: string;
  /** Start of the evaluation (Unix seconds); default: now. */
  startedAt?: number;
}

export interface WrittenResults {
  json: string;
  markdown: string;
  /** `results_<timestamp>.json` in lm-evaluation-harness's layout. */
  harness: string;
  samples: string[];
  predictions: string[];
}

/**
 * Rows already in `eval-<model>.json`, or none. A file that is not a JSON array of rows is an error naming it
 * (its rows would otherwise be lost when the new ones are merged in).
 */
function previousRows(path: string): ResultRow[] {
  if (!existsSync(path)) return [];
  let rows: unknown;
  try {
    rows = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new Error(`eval: ${path} is not valid JSON (${(e as Error).message}); move it away to write new results`);
  }
  if (!Array.isArray(rows) || rows.some((r) => !r || typeof r.task !== 'string' || typeof r.lang !== 'string')) {
    throw new Error(`eval: ${path} is not a JSON array of result rows; move it away to write new results`);
  }
  return rows as ResultRow[];
}

/** Earlier rows with this run's (task, language) groups put in place of theirs; new groups at the end. */
export function mergeRows(previous: readonly ResultRow[], rows: readonly ResultRow[]): ResultRow[] {
  const fresh = new Map(groupRows(rows).map((g) => [`${g[0].task}:${g[0].lang}`, g]));
  const out: ResultRow[] = [];
  const placed = new Set<string>();
  for (const r of previous) {
    const key = `${r.task}:${r.lang}`;
    if (!fresh.has(key)) out.push(r);
    else if (!placed.has(key)) {
      out.push(...fresh.get(key)!);
      placed.add(key);
    }
  }
  for (const [key, g] of fresh) if (!placed.has(key)) out.push(...g);
  return out;
}

/** `dir/<stem><timestamp>.<ext>` for the first timestamp from `ms` on that no file of the run has yet. */
function freshTimestamp(dir: string, ms: number, taken: (stamp: string) => string[]): string {
  for (let t = ms; ; t++) {
    const stamp = fileTimestamp(t);
    if (!taken(stamp).some((f) => existsSync(join(dir, f)))) return stamp;
  }
}

/**
 * Writes an evaluation into `outDir`, atomically file by file:
 * - `eval-<model>.json` / `.md`: the model's rows, merged with those of earlier runs into the same folder (a
 *   re-run task replaces its rows, the other tasks' rows stay);
 * - `results_<timestamp>.json` in lm-evaluation-harness's layout, a new file per run (never overwritten);
 * - with `logSamples`, `samples_<harness task>_<timestamp>.jsonl` per task;
 * - with `predictions`, `eval-<model>-<task>-<lang>.predictions.jsonl`; without, a re-run task's earlier
 *   predictions file is removed, as it no longer matches its rows.
 */
export function writeResults(outDir: string, rows: readonly ResultRow[], model: string, opts: WriteResultsOptions = {}): WrittenResults {
  const runs = opts.runs ?? [];
  if ((opts.predictions || opts.logSamples) && runs.length === 0) throw new Error('eval: predictions and samples need the evaluation runs');
  const names = resultFileNames(model);
  const json = join(outDir, names.json);
  const markdown = join(outDir, names.markdown);
  const startedAt = opts.startedAt ?? Date.now() / 1000;
  const stamp = freshTimestamp(outDir, Math.round(startedAt * 1000), (s) => [
    `results_${s}.json`,
    ...(opts.logSamples ? runs.map((r) => `samples_${harnessTaskName(r.task, r.lang)}_${s}.jsonl`) : []),
  ]);
  const harness = join(outDir, `results_${stamp}.json`);
  const merged = mergeRows(previousRows(json), rows);
  const samples: string[] = [];
  const predictions: string[] = [];
  // The files this run adds go again if a later write fails (a full disk): no results file without its rows.
  const added: string[] = [];
  const addFile = (path: string, text: string) => {
    writeFileAtomic(path, text);
    added.push(path);
  };
  try {
    addFile(harness, `${JSON.stringify(harnessResults(rows, { modelPath: opts.modelPath, startedAt, gitHash: gitHash() }), null, 2)}\n`);
    if (opts.logSamples) {
      for (const run of runs) {
        const path = join(outDir, `samples_${harnessTaskName(run.task, run.lang)}_${stamp}.jsonl`);
        addFile(path, jsonLines(sampleLines(run)));
        samples.push(path);
      }
    }
    for (const g of groupRows(rows)) {
      const path = join(outDir, predictionsFileName(model, g[0].task, g[0].lang));
      const run = runs.find((r) => r.task === g[0].task && r.lang === g[0].lang);
      if (opts.predictions && run) {
        writeFileAtomic(path, jsonLines(run.predictions));
        predictions.push(path);
      } else rmSync(path, { force: true });
    }
    writeFileAtomic(json, `${JSON.stringify(merged, null, 2)}\n`);
    writeFileAtomic(markdown, resultsMarkdown(merged));
  } catch (e) {
    for (const path of added) rmSync(path, { force: true });
    throw e;
  }
  return { json, markdown, harness, samples, predictions };
}

function jsonLines(records: readonly object[]): string {
  return records.map((r) => JSON.stringify(r)).join('\n') + (records.length ? '\n' : '');
}
