import { axes, escapeXml, seriesColor, seriesMarks, svgDocument, type PlotArea } from '@dft/util';

/** One line of a per-layer chart: `values[k]` is plotted at layer k (null = no point). */
export interface PlotSeries {
  name: string;
  values: readonly (number | null)[];
  dashed?: boolean;
}

/** A vertical marker at a layer (the suggested critical layers). */
export interface PlotMarker {
  layer: number;
  label: string;
}

export interface LayerChartOptions {
  title: string;
  yLabel: string;
  series: readonly PlotSeries[];
  markers?: readonly PlotMarker[];
  /** Fixed y range; default the data's range with a margin. */
  yRange?: [number, number];
  width?: number;
  height?: number;
}

/**
 * A per-layer line chart as standalone SVG markup (no scripts, no external resources). Every point is a `<circle>`
 * with `data-series`, `data-layer` and `data-value`, so the plot can be checked against the JSON point by point.
 */
export function layerChart(o: LayerChartOptions): string {
  const W = o.width ?? 560;
  const H = o.height ?? 300;
  // The top margin holds the title and, below it, the legend in one row (clear of the marker labels).
  const margin = { l: 58, r: 14, t: 46, b: 42 };
  const layers = Math.max(1, ...o.series.map((s) => s.values.length - 1));
  const ys = o.series.flatMap((s) => s.values.filter((v): v is number => v !== null && Number.isFinite(v)));
  let [y0, y1] = o.yRange ?? (ys.length ? [Math.min(...ys), Math.max(...ys)] : [0, 1]);
  if (!o.yRange) {
    const pad = (y1 - y0) * 0.08 || Math.abs(y0) * 0.05 || 0.5;
    [y0, y1] = [y0 - pad, y1 + pad];
  }
  const area: PlotArea = { width: W, height: H, margin, x: [0, layers], y: [y0, y1] };
  const x = (k: number) => margin.l + (k / layers) * (W - margin.l - margin.r);
  const xStep = Math.max(1, Math.ceil(layers / 16));
  const xTicks = Array.from({ length: Math.floor(layers / xStep) + 1 }, (_, i) => ({ at: i * xStep, label: String(i * xStep) }));
  const parts: string[] = [axes(area, { xTicks, xLabel: 'layer (hidden state k)' })];
  const midY = (H - margin.b + margin.t) / 2;
  parts.push(`<text x="14" y="${midY}" text-anchor="middle" font-size="12" transform="rotate(-90 14 ${midY})">${escapeXml(o.yLabel)}</text>`);
  parts.push(`<text x="${margin.l}" y="18" font-size="13" font-weight="bold">${escapeXml(o.title)}</text>`);
  // Labels of markers on the same layer (compare mode) are stacked instead of drawn over each other.
  const stacked = new Map<number, number>();
  for (const mk of o.markers ?? []) {
    const mx = x(mk.layer).toFixed(1);
    const row = stacked.get(mk.layer) ?? 0;
    stacked.set(mk.layer, row + 1);
    parts.push(
      `<g class="marker" data-layer="${mk.layer}"><line x1="${mx}" x2="${mx}" y1="${margin.t}" y2="${H - margin.b}" stroke="#555" stroke-dasharray="4 3"/>` +
        `<text x="${mx}" y="${margin.t + 11 + 13 * row}" dx="3" font-size="11" fill="#333">${escapeXml(mk.label)}</text></g>`,
    );
  }
  let legendX = margin.l;
  o.series.forEach((s, i) => {
    const color = seriesColor(i);
    const points = s.values.map((v, k) => [k, v] as const).filter((p): p is readonly [number, number] => p[1] !== null && Number.isFinite(p[1]));
    parts.push(
      seriesMarks(area, { name: s.name, points, color, dashed: s.dashed, pointData: (k, v) => `data-layer="${k}" data-value="${v}"`, pointTitle: (k, v) => `${s.name}, layer ${k}: ${v}` }),
    );
    const dash = s.dashed ? ' stroke-dasharray="6 4"' : '';
    parts.push(`<line x1="${legendX}" x2="${legendX + 22}" y1="32" y2="32" stroke="${color}" stroke-width="2"${dash}/>`);
    parts.push(`<text x="${legendX + 26}" y="36" font-size="11">${escapeXml(s.name)}</text>`);
    legendX += 40 + 6.5 * s.name.length;
  });
  return svgDocument(W, H, o.title, parts.join(''));
}
