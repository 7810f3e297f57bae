import { scoreQa, type QaTask } from '../metrics/qa-score.js';
import type { GenExample } from '../tasks/types.js';
import type { PerExample } from '../results/rows.js';
import type { MetricName } from '../tasks/types.js';

export interface QaPrediction {
  id: string;
  prediction: string;
  answers: string[];
  scores: Partial<Record<MetricName, number>>;
}

/** Per-example F1 / EM (points) of generated answers, with the task's official normalisation. */
export function qaScores(
  task: QaTask,
  lang: string,
  metrics: readonly MetricName[],
  examples: readonly GenExample[],
  predictions: readonly string[],
): { scores: PerExample; predictions: QaPrediction[] } {
  if (predictions.length !== examples.length) throw new Error(`eval: ${predictions.length} predictions for ${examples.length} examples`);
  const scores: PerExample = {};
  for (const m of metrics) scores[m] = [];
  const out = examples.map((ex, i) => {
    const s = scoreQa({ task, lang, prediction: predictions[i], answers: ex.answers });
    const one: Partial<Record<MetricName, number>> = {};
    for (const m of metrics) {
      const v = (s as Partial<Record<MetricName, number>>)[m];
      if (v === undefined) throw new Error(`eval: ${task} does not produce metric ${m}`);
      one[m] = v;
      scores[m]!.push(v);
    }
    return { id: ex.id, prediction: predictions[i], answers: ex.answers, scores: one };
  });
  return { scores, predictions: out };
}
