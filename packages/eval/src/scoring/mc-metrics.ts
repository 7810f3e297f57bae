import { accuracy, accuracyNorm, argmax, mc2 } from '../metrics/multiple-choice.js';
import type { McExample } from '../tasks/types.js';
import type { PerExample } from '../results/rows.js';
import type { MetricName } from '../tasks/types.js';

/** What one multiple-choice example came to, for the predictions file. */
export interface McPrediction {
  id: string;
  gold: number;
  pred: number;
  lls: number[];
  scores: Partial<Record<MetricName, number>>;
}

/** Per-example metric values (points) of multiple-choice examples from their choices' log-likelihoods. */
export function mcScores(
  metrics: readonly MetricName[],
  examples: readonly McExample[],
  lls: readonly (readonly number[])[],
): { scores: PerExample; predictions: McPrediction[] } {
  if (lls.length !== examples.length) throw new Error(`eval: ${lls.length} log-likelihood lists for ${examples.length} examples`);
  const scores: PerExample = {};
  for (const m of metrics) scores[m] = [];
  const predictions = examples.map((ex, i) => {
    const ll = lls[i];
    if (ll.length !== ex.choices.length) throw new Error(`eval: example "${ex.id}": ${ll.length} scores for ${ex.choices.length} choices`);
    const one: Partial<Record<MetricName, number>> = {};
    for (const m of metrics) {
      let v: number;
      if (m === 'acc' || m === 'mc1') v = accuracy(ll, ex.gold);
      else if (m === 'acc_norm') v = accuracyNorm(ll, ex.choices, ex.gold);
      else if (m === 'mc2') {
        if (!ex.labels) throw new Error(`eval: example "${ex.id}" has no truth labels for mc2`);
        v = mc2(ll, ex.labels);
      } else throw new Error(`eval: metric ${m} is not a multiple-choice metric`);
      one[m] = 100 * v;
      scores[m]!.push(100 * v);
    }
    return { id: ex.id, gold: ex.gold, pred: argmax(ll), lls: [...ll], scores: one };
  });
  return { scores, predictions };
}
