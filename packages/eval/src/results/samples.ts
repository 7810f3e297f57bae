import { createHash } from 'node:crypto';
import type { TaskRun } from '../evaluate.js';
import type { MetricName } from '../tasks/types.js';
import { HARNESS_METRIC } from './harness-results.js';

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

/** Per-example metric values as the harness logs them: its metric names, fractions. */
function metricValues(scores: Partial<Record<MetricName, number>>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [m, v] of Object.entries(scores)) out[HARNESS_METRIC[m as MetricName]] = (v as number) / 100;
  return out;
}

/**
 * One `samples_<task>_<date>.jsonl` line per example, in the harness's layout: `doc_id`, `doc`, `target`,
 * `arguments` (`gen_args_i.arg_0` the context, `arg_1` each continuation or the generation settings), `resps`
 * and `filtered_resps` (each choice's log-likelihood, or the generated answer), `filter`, `metrics`, the metric
 * values, and the doc / prompt / target hashes; plus `response` (the chosen choice or the answer).
 */
export function sampleLines(run: TaskRun): Record<string, unknown>[] {
  return run.examples.map((ex, i) => {
    const docId = run.docIds[i];
    let line: Record<string, unknown>;
    if (run.kind === 'mc') {
      const mc = run.examples[i];
      const p = run.predictions[i];
      const args = Object.fromEntries(mc.choices.map((c, k) => [`gen_args_${k}`, { arg_0: mc.context, arg_1: `${mc.delimiter}${c}` }]));
      line = {
        doc: { id: mc.id, context: mc.context, choices: mc.choices, gold: mc.gold, ...(mc.labels ? { labels: mc.labels } : {}) },
        target: String(mc.gold),
        arguments: args,
        resps: p.lls.map((ll) => [ll]),
        filtered_resps: p.lls,
        response: p.pred,
        ...metricSection(p.scores),
      };
    } else {
      const g = run.examples[i];
      const p = run.predictions[i];
      line = {
        doc: { id: g.id, prompt: g.prompt, answers: g.answers },
        target: g.answers[0] ?? '',
        answers: g.answers,
        arguments: { gen_args_0: { arg_0: g.prompt, arg_1: { until: ['\n'], do_sample: false, max_gen_toks: run.maxGenTokens } } },
        resps: [[p.prediction]],
        filtered_resps: [p.prediction],
        response: p.prediction,
        ...metricSection(p.scores),
      };
    }
    const prompt = (line.arguments as Record<string, { arg_0: string }>).gen_args_0.arg_0;
    return {
      doc_id: docId,
      ...line,
      filter: 'none',
      doc_hash: sha256(JSON.stringify(line.doc)),
      prompt_hash: sha256(prompt),
      target_hash: sha256(String(line.target)),
    };
  });
}

function metricSection(scores: Partial<Record<MetricName, number>>): Record<string, unknown> {
  const values = metricValues(scores);
  return { metrics: Object.keys(values), ...values };
}
