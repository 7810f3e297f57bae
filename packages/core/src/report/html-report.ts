import { isEvalRow, type EvalLogRow, type LogEntry, type LogRow } from '../train/run-training.js';
import { escapeXml } from '@dft/util';
import { lineChart, type Series } from './svg-chart.js';

export interface ReportInput {
  title: string;
  /** log.jsonl's rows: optimizer steps and validation evaluations. */
  log: LogEntry[];
  config: unknown;
  /** Final evaluation rows ({task, lang, metric, value, stderr, n}). */
  results?: { task: string; lang: string; metric: string; value: number; stderr: number | null; n: number }[];
  checkpoint: string | null;
}

const KNOWN = new Set(['step', 'epoch', 'loss', 'lr', 'learning_rate', 'gradNorm', 'grad_norm', 'tokens', 'tokPerS', 'elapsedS', 'peakBytes']);

function series(log: (LogRow | EvalLogRow)[], key: string, name = key): Series {
  return { name, points: log.filter((r) => r[key] !== undefined).map((r) => [r.step, r[key]!]) };
}

function inMiB(s: Series): Series {
  return { ...s, points: s.points.map(([x, bytes]) => [x, bytes / 2 ** 20]) };
}

/** A training curve with its validation counterpart (`eval_<key>`) beside it, when the run has one. */
function withValidation(train: LogRow[], evals: EvalLogRow[], key: string): Series[] {
  const held = series(evals, `eval_${key}`);
  return held.points.length ? [series(train, key), held] : [series(train, key)];
}

/** A self-contained HTML page (inline SVG, no scripts or external assets) summarising a training run. */
export function renderReport(r: ReportInput): string {
  const train = r.log.filter((row): row is LogRow => !isEvalRow(row));
  const evals = r.log.filter(isEvalRow);
  const termKeys = [...new Set(train.flatMap((row) => Object.keys(row)))].filter((k) => !KNOWN.has(k) && !k.startsWith('eval/'));
  const evalKeys = [...new Set(train.flatMap((row) => Object.keys(row)))].filter((k) => k.startsWith('eval/'));
  const charts = [
    lineChart(evals.length ? 'Loss (training and validation)' : 'Loss', withValidation(train, evals, 'loss')),
    ...termKeys.map((k) => lineChart(`Loss term: ${k}`, withValidation(train, evals, k))),
    lineChart('Learning rate', [series(train, 'lr')]),
    lineChart('Throughput (tokens/s)', [series(train, 'tokPerS')]),
    lineChart('Gradient norm (before clipping)', [series(train, 'gradNorm')]),
    lineChart('Peak tensor memory per step (MiB)', [inMiB(series(train, 'peakBytes'))]),
  ];
  if (evalKeys.length) charts.push(lineChart('Evaluation during training', evalKeys.map((k) => series(train, k, k.slice(5)))));
  const last = train[train.length - 1];
  const lastEval = evals[evals.length - 1];
  const results = r.results?.length
    ? `<h2>Final evaluation</h2><table><tr><th>task</th><th>lang</th><th>metric</th><th>value</th><th>± stderr</th><th>n</th></tr>${r.results
        .map((x) => `<tr><td>${escapeXml(x.task)}</td><td>${escapeXml(x.lang)}</td><td>${escapeXml(x.metric)}</td><td>${x.value.toFixed(2)}</td><td>${x.stderr === null ? '' : x.stderr.toFixed(2)}</td><td>${x.n}</td></tr>`)
        .join('')}</table>`
    : '';
  const summary = last
    ? `<p>${last.step} steps, ${train.reduce((s, x) => s + x.tokens, 0)} tokens, ${last.elapsedS.toFixed(1)} s; final loss ${last.loss.toFixed(4)}${
        lastEval ? `; validation loss ${lastEval.eval_loss.toFixed(4)} at step ${lastEval.step} (${lastEval.eval_samples} examples)` : ''
      }.</p>`
    : '<p>No steps were run.</p>';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeXml(r.title)}</title>
<style>body{font-family:system-ui,sans-serif;margin:24px;color:#222}.charts{display:flex;flex-wrap:wrap;gap:16px}figure{margin:0;border:1px solid #ddd;padding:8px}figcaption{font-weight:600;margin-bottom:4px}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:4px 8px;text-align:left}pre{background:#f6f6f6;padding:8px;overflow:auto}</style>
</head><body>
<h1>${escapeXml(r.title)}</h1>
${summary}
${r.checkpoint ? `<p>Checkpoint: <code>${escapeXml(r.checkpoint)}</code></p>` : ''}
<div class="charts">${charts.join('\n')}</div>
${results}
<h2>Configuration</h2><pre>${escapeXml(JSON.stringify(r.config, null, 2))}</pre>
</body></html>
`;
}
