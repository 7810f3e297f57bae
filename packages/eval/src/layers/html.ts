import type { LayersReport, ModelLayers } from './report.js';
import { escapeXml as esc } from '@dft/util';
import { layerChart, type PlotMarker, type PlotSeries } from './svg-plot.js';

function markers(m: ModelLayers, prefix = ''): PlotMarker[] {
  return [
    { layer: m.suggestion.lcLayer, label: `${prefix}LC i=${m.suggestion.lcLayer}` },
    { layer: m.suggestion.etLayer, label: `${prefix}ET j=${m.suggestion.etLayer}` },
  ];
}

function fmt(v: number | null | undefined): string {
  return v === null || v === undefined || !Number.isFinite(v) ? '' : v.toFixed(4);
}

function modelSection(m: ModelLayers, tag: string): string {
  const a = m.analysis;
  const entropy: PlotSeries[] = a.curves.map((c) => ({ name: c.lang, values: c.entropy }));
  const top1: PlotSeries[] = a.curves.map((c) => ({ name: c.lang, values: c.top1 }));
  const heads = [...a.curves.map((c) => `H ${c.lang}`), ...a.curves.map((c) => `top-1 ${c.lang}`), ...a.curves.filter((c) => c.alignment).map((c) => `cos ${c.lang}–en`)];
  const rows = Array.from({ length: a.numLayers + 1 }, (_, k) => {
    const cells = [...a.curves.map((c) => c.entropy[k]), ...a.curves.map((c) => c.top1[k]), ...a.curves.filter((c) => c.alignment).map((c) => c.alignment![k])];
    const note = [k === m.suggestion.lcLayer ? 'lcLayer' : '', k === m.suggestion.etLayer ? 'etLayer' : ''].filter(Boolean).join(', ');
    return `<tr${note ? ' class="pick"' : ''}><td>${k}</td>${cells.map((v) => `<td>${fmt(v)}</td>`).join('')}<td>${note}</td></tr>`;
  });
  return `<section class="model" data-model="${esc(m.model)}">
<h2>${tag}${esc(m.model)}</h2>
<p class="suggestion"><strong>Suggested: lcLayer = ${m.suggestion.lcLayer}, etLayer = ${m.suggestion.etLayer}</strong> (${esc(m.suggestion.source)})<br>${esc(m.suggestion.explanation)}</p>
<p class="meta">${a.numLayers} layers · vocabulary ${a.vocabSize} (uniform entropy ${Math.log(a.vocabSize).toFixed(3)} nats) · examples ${esc(a.curves.map((c) => `${c.lang} ${c.n}`).join(', '))} · entropy over ${a.positions === 'query' ? 'query tokens' : 'all prompt tokens'} · alignment pooling ${esc(a.pool)}</p>
<div class="charts">
<figure class="entropy">${layerChart({ title: 'Logit-lens entropy per layer', yLabel: 'entropy (nats)', series: entropy, markers: markers(m) })}</figure>
<figure class="top1">${layerChart({ title: 'Top-1 probability mass per layer', yLabel: 'top-1 mass', series: top1, markers: markers(m) })}</figure>
</div>
<details><summary>Values per layer</summary>
<table><thead><tr><th>layer</th>${heads.map((h) => `<th>${esc(h)}</th>`).join('')}<th></th></tr></thead><tbody>${rows.join('')}</tbody></table>
</details>
</section>`;
}

/**
 * A self-contained page (inline SVG and CSS, no scripts or external resources): per model the entropy and top-1
 * curves with the suggested layers marked and a table of values, and one alignment chart holding every model's
 * curves (solid = first model, dashed = the comparison), so before/after checkpoints read side by side.
 */
export function renderLayersHtml(report: LayersReport): string {
  const compare = report.models.length > 1;
  // Models are tagged A, B, … in compare mode.
  const letter = (i: number) => String.fromCharCode(65 + i);
  const alignment: PlotSeries[] = report.models.flatMap((m, i) =>
    m.analysis.curves
      .filter((c) => c.alignment)
      .map((c) => ({ name: `${compare ? letter(i) + ' ' : ''}${c.lang}–en`, values: c.alignment!, dashed: i > 0 })),
  );
  const alignMarkers = compare ? report.models.flatMap((m, i) => markers(m, `${letter(i)} `)) : markers(report.models[0]!);
  const title = compare ? `dft layers: ${report.models.map((m) => m.model).join(' vs ')}` : `dft layers: ${report.models[0]!.model}`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title>
<style>
body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;margin:20px 28px;color:#222;max-width:1220px}
h1{font-size:20px;margin:0 0 6px}h2{font-size:16px;margin:18px 0 4px}
.meta,.data{color:#555;font-size:13px;margin:2px 0}.suggestion{background:#f3f7ff;border-left:4px solid #1f77b4;padding:6px 10px;font-size:13px;margin:6px 0}
.charts{display:flex;flex-wrap:wrap;gap:12px}figure{margin:0}
table{border-collapse:collapse;font-size:12px;margin-top:6px}td,th{border:1px solid #ddd;padding:2px 6px;text-align:right}tr.pick{background:#fff6d6}
</style></head>
<body>
<h1>${esc(title)}</h1>
<p class="data">data: ${esc(report.data ?? '(examples given directly)')} · entropy of the logit-lens next-token distribution on target-language prompts; the first sharp drop ends language conversion (lcLayer), the second marks English thinking (etLayer)</p>
<section class="alignment">
<h2>Cross-lingual alignment${compare ? ' (A solid, B dashed)' : ''}</h2>
<figure class="alignment">${layerChart({ title: 'cos(pool(h_k(English prompt)), pool(h_k(target prompt)))', yLabel: 'cosine', series: alignment, markers: alignMarkers, width: 1132 })}</figure>
</section>
${report.models.map((m, i) => modelSection(m, compare ? `${letter(i)}: ` : '')).join('\n')}
</body></html>
`;
}
