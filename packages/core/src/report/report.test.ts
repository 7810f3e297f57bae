import { describe, expect, it } from 'vitest';
import type { EvalLogRow, LogEntry, LogRow } from '../train/run-training.js';
import { renderReport } from './html-report.js';
import { lineChart } from './svg-chart.js';

/** Attributes of every <circle> in an SVG string. */
function circles(svg: string): { cx: number; cy: number; series: string; x: number; y: number }[] {
  return [...svg.matchAll(/<circle cx="([^"]+)" cy="([^"]+)" r="[^"]+" fill="[^"]+" data-series="([^"]*)" data-x="([^"]+)" data-y="([^"]+)"/g)].map((m) => ({
    cx: Number(m[1]),
    cy: Number(m[2]),
    series: m[3],
    x: Number(m[4]),
    y: Number(m[5]),
  }));
}

function viewBox(svg: string): { w: number; h: number } {
  const m = /viewBox="0 0 (\d+) (\d+)"/.exec(svg)!;
  return { w: Number(m[1]), h: Number(m[2]) };
}

describe('lineChart', () => {
  it('draws one circle per finite point, carrying its exact values; larger y is higher, larger x is further right', () => {
    const svg = lineChart('Loss', [{ name: 'loss', points: [[1, 4], [2, 2], [3, NaN], [4, 1], [5, Infinity]] }]);
    const pts = circles(svg);
    expect(pts.map((p) => [p.x, p.y])).toEqual([[1, 4], [2, 2], [4, 1]]);
    const { w, h } = viewBox(svg);
    for (const p of pts) {
      expect(p.cx).toBeGreaterThan(0);
      expect(p.cx).toBeLessThan(w);
      expect(p.cy).toBeGreaterThan(0);
      expect(p.cy).toBeLessThan(h);
    }
    expect(pts[0].cx).toBeLessThan(pts[1].cx);
    expect(pts[1].cx).toBeLessThan(pts[2].cx);
    expect(pts[0].cy).toBeLessThan(pts[1].cy); // y grows downwards in SVG
    expect(pts[1].cy).toBeLessThan(pts[2].cy);
    // Linear in x: step 2 sits a third of the way from step 1 to step 4.
    expect((pts[1].cx - pts[0].cx) / (pts[2].cx - pts[0].cx)).toBeCloseTo(1 / 3, 2);
    // The polyline joins the same points.
    const line = /<polyline [^>]*points="([^"]+)"/.exec(svg)![1].split(' ').map((p) => p.split(',').map(Number));
    expect(line).toEqual(pts.map((p) => [p.cx, p.cy]));
  });

  it('handles a constant series and a single point without NaN coordinates', () => {
    for (const points of [[[1, 3], [2, 3]], [[7, 0.5]]] as [number, number][][]) {
      const svg = lineChart('c', [{ name: 'c', points }]);
      expect(svg).not.toMatch(/NaN|Infinity/);
      expect(circles(svg)).toHaveLength(points.length);
    }
  });

  it('puts each series legend above the plot, escapes names, and says "no data" when nothing is finite', () => {
    const svg = lineChart('A <b> & "c"', [
      { name: 'x<1>', points: [[1, 1], [2, 2]] },
      { name: 'y&z', points: [[1, 2], [2, 1]] },
    ]);
    expect(svg).toContain('aria-label="A &lt;b&gt; &amp; &quot;c&quot;"');
    expect(svg).toContain('data-series="x&lt;1&gt;"');
    expect(svg).not.toContain('<b>');
    const legendY = [...svg.matchAll(/<text [^>]*y="([^"]+)"[^>]*fill="[^"]+">(x&lt;1&gt;|y&amp;z)</g)].map((m) => Number(m[1]));
    const topOfPlot = Math.min(...circles(svg).map((p) => p.cy));
    expect(legendY).toHaveLength(2);
    for (const y of legendY) expect(y).toBeLessThan(topOfPlot);
    expect(lineChart('empty', [{ name: 'e', points: [[1, NaN]] }])).toContain('<p>no data</p>');
  });

  it('charts 150,000 points (a long run) without overflowing the stack', () => {
    const points = Array.from({ length: 150_000 }, (_, i) => [i + 1, Math.sin(i)] as [number, number]);
    expect(lineChart('long', [{ name: 'long', points }]).split('<circle ').length - 1).toBe(150_000);
  });
});

describe('renderReport', () => {
  const log: LogRow[] = [
    { step: 1, epoch: 0.5, loss: 6, tft: 3, lc: 2, et: 1, lr: 0.001, learning_rate: 0.001, gradNorm: 2, grad_norm: 2, tokens: 100, tokPerS: 50, elapsedS: 2, peakBytes: 3 * 2 ** 20 },
    { step: 2, epoch: 1, loss: 3, tft: 1.5, lc: 1, et: 0.5, lr: 0.0005, learning_rate: 0.0005, gradNorm: 1, grad_norm: 1, tokens: 120, tokPerS: 60, elapsedS: 4, peakBytes: 3.5 * 2 ** 20, 'eval/xcopa:zh/acc': 55 },
  ];
  const html = renderReport({
    title: 'dft train: dft-logits',
    log,
    config: { out: '/runs/<x>', method: 'dft-logits' },
    results: [{ task: 'xcopa', lang: 'zh', metric: 'acc', value: 55, stderr: 5, n: 20 }],
    checkpoint: '/runs/x/step-000002',
  });

  it('charts every logged value: the loss, each term, lr, tok/s, gradient norm, peak memory and evaluation scores', () => {
    const pts = circles(html);
    for (const key of ['loss', 'tft', 'lc', 'et', 'lr', 'tokPerS', 'gradNorm']) {
      expect(pts.filter((p) => p.series === key).map((p) => [p.x, p.y])).toEqual(log.map((r) => [r.step, r[key]]));
    }
    expect(pts.filter((p) => p.series === 'peakBytes').map((p) => [p.x, p.y])).toEqual([[1, 3], [2, 3.5]]);
    expect(html).toContain('<figcaption>Peak tensor memory per step (MiB)</figcaption>');
    expect(pts.filter((p) => p.series === 'xcopa:zh/acc').map((p) => [p.x, p.y])).toEqual([[2, 55]]);
    expect(html).toContain('<figcaption>Loss term: lc</figcaption>');
    // epoch and tokens are bookkeeping, not charts.
    expect(pts.some((p) => p.series === 'epoch' || p.series === 'tokens')).toBe(false);
  });

  it('is self-contained and escapes what it quotes; summary and results are the run numbers', () => {
    expect(html).not.toMatch(/<script|<link|src=|https?:\/\/(?!www\.w3\.org)/);
    expect(html).toContain('&quot;out&quot;: &quot;/runs/&lt;x&gt;&quot;');
    expect(html).toContain('<p>2 steps, 220 tokens, 4.0 s; final loss 3.0000.</p>');
    expect(html).toContain('<tr><td>xcopa</td><td>zh</td><td>acc</td><td>55.00</td><td>5.00</td><td>20</td></tr>');
    expect(html).toContain('<code>/runs/x/step-000002</code>');
    expect(renderReport({ title: 't', log: [], config: {}, checkpoint: null })).toContain('<p>No steps were run.</p>');
  });

  it('charts validation rows beside the training curves (loss and each term), not as terms of their own', () => {
    const evalRow = (step: number, loss: number): EvalLogRow => ({
      step,
      epoch: step / 2,
      eval_loss: loss,
      eval_tft: loss / 2,
      eval_lc: loss / 4,
      eval_et: loss / 4,
      eval_runtime: 0.5,
      eval_samples: 3,
      eval_samples_per_second: 6,
      elapsedS: 2 * step + 0.5,
    });
    const withEval: LogEntry[] = [log[0]!, evalRow(1, 5), log[1]!, evalRow(2, 4)];
    const page = renderReport({ title: 't', log: withEval, config: {}, checkpoint: null });
    const pts = circles(page);
    const of = (series: string) => pts.filter((p) => p.series === series).map((p) => [p.x, p.y]);
    expect(of('loss')).toEqual([[1, 6], [2, 3]]);
    expect(of('eval_loss')).toEqual([[1, 5], [2, 4]]);
    for (const [term, share] of [['tft', 2], ['lc', 4], ['et', 4]] as const) expect(of(`eval_${term}`)).toEqual([[1, 5 / share], [2, 4 / share]]);
    // The validation series sit in the training charts: the loss chart's figure holds both series.
    const lossFigure = /<figcaption>Loss \(training and validation\)<\/figcaption>.*?<\/figure>/.exec(page)![0];
    expect(lossFigure).toContain('data-series="loss"');
    expect(lossFigure).toContain('data-series="eval_loss"');
    expect(page).not.toMatch(/Loss term: eval_|data-series="eval_runtime"|data-series="learning_rate"/);
    expect(page).toContain('<p>2 steps, 220 tokens, 4.0 s; final loss 3.0000; validation loss 4.0000 at step 2 (3 examples).</p>');
  });
});
