import { axes, escapeXml, niceTicks, seriesColor, seriesMarks, svgDocument, tickLabel, type PlotArea } from '@dft/util';

export interface Series {
  name: string;
  points: [number, number][];
}

/**
 * A line chart of logged values against the step, as an inline SVG string in a captioned figure. Every logged
 * point is a `<circle>` carrying `data-x`/`data-y`, so the report can be checked (and read) point by point.
 */
export function lineChart(title: string, series: Series[], xLabel = 'step'): string {
  const W = 520;
  const H = 260 + 13 * Math.max(0, series.length - 1);
  // The legend sits in the top margin, one line per series, so it never covers the plotted lines.
  const margin = { l: 62, r: 16, t: 16 + 13 * series.length, b: 40 };
  const finite = (s: Series) => s.points.filter(([, y]) => Number.isFinite(y));
  const all = series.flatMap(finite);
  if (all.length === 0) return `<figure class="chart"><figcaption>${escapeXml(title)}</figcaption><p>no data</p></figure>`;
  // Loops, not Math.min(...spread): a long run's hundreds of thousands of points would overflow the call stack.
  let [x0, x1, y0, y1] = [Infinity, -Infinity, Infinity, -Infinity];
  for (const [x, y] of all) {
    [x0, x1, y0, y1] = [Math.min(x0, x), Math.max(x1, x), Math.min(y0, y), Math.max(y1, y)];
  }
  if (x0 === x1) [x0, x1] = [x0 - 1, x1 + 1];
  if (y0 === y1) [y0, y1] = [y0 - Math.abs(y0 || 1) * 0.1, y1 + Math.abs(y1 || 1) * 0.1];
  const area: PlotArea = { width: W, height: H, margin, x: [x0, x1], y: [y0, y1] };
  const parts = [axes(area, { xTicks: niceTicks(x0, x1).map((t) => ({ at: t, label: tickLabel(t) })), xLabel })];
  series.forEach((s, i) => {
    const color = seriesColor(i);
    parts.push(seriesMarks(area, { name: s.name, points: finite(s), color, pointData: (x, y) => `data-x="${x}" data-y="${y}"`, pointTitle: (x, y) => `${s.name} @ ${x}: ${y}` }));
    parts.push(`<text x="${W - margin.r}" y="${12 + 13 * i}" text-anchor="end" font-size="11" fill="${color}">${escapeXml(s.name)}</text>`);
  });
  return `<figure class="chart"><figcaption>${escapeXml(title)}</figcaption>${svgDocument(W, H, title, parts.join(''))}</figure>`;
}
