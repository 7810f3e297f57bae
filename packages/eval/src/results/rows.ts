import type { MetricName } from '../tasks/types.js';
import { mean, stderrOfMean } from '../metrics/stats.js';

/** One metric of one (task, language) run; values in points (0–100) as the official scripts print them. */
export interface ResultRow {
  model: string;
  task: string;
  lang: string;
  metric: MetricName;
  value: number;
  /** Standard error of the mean, in points; null with fewer than 2 examples. */
  stderr: number | null;
  n: number;
  durationS: number;
  /** Examples whose tokens were cut on the left to fit the model's context. */
  truncated: number;
  /** What produced the number: data file, limit, seed, batch size, generation limit … */
  config: Record<string, unknown>;
}

/** Per-example scores of one run by metric name, in points (0–100): 0/100 for accuracies. */
export type PerExample = Partial<Record<MetricName, number[]>>;

export interface RowContext {
  model: string;
  task: string;
  lang: string;
  durationS: number;
  truncated: number;
  config: Record<string, unknown>;
}

/** Aggregates per-example scores into rows, in the task's metric order. */
export function toRows(metrics: readonly MetricName[], scores: PerExample, ctx: RowContext): ResultRow[] {
  return metrics.map((metric) => {
    const xs = scores[metric];
    if (!xs || xs.length === 0) throw new Error(`eval: ${ctx.task}:${ctx.lang}: no ${metric} scores to aggregate`);
    const se = stderrOfMean(xs);
    return {
      model: ctx.model,
      task: ctx.task,
      lang: ctx.lang,
      metric,
      value: mean(xs),
      stderr: se,
      n: xs.length,
      durationS: ctx.durationS,
      truncated: ctx.truncated,
      config: ctx.config,
    };
  });
}
