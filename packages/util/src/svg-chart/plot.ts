import { escapeXml } from './escape.js';
import { niceTicks, tickLabel } from './ticks.js';

/** Series colours, in order (the matplotlib "tab10" hues). */
export const PALETTE = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b', '#e377c2', '#17becf'] as const;

export function seriesColor(i: number): string {
  return PALETTE[i % PALETTE.length]!;
}

/** The drawing area of a chart: its size, the margins around the plot and the data ranges the plot spans. */
export interface PlotArea {
  width: number;
  height: number;
  margin: { l: number; r: number; t: number; b: number };
  x: readonly [number, number];
  y: readonly [number, number];
}

/** Pixel positions of data values (larger y is higher up). */
export function scales(a: PlotArea): { sx: (x: number) => number; sy: (y: number) => number } {
  const { width: W, height: H, margin: m } = a;
  const [x0, x1] = a.x;
  const [y0, y1] = a.y;
  return {
    sx: (x) => m.l + ((x - x0) / (x1 - x0)) * (W - m.l - m.r),
    sy: (y) => H - m.b - ((y - y0) / (y1 - y0)) * (H - m.t - m.b),
  };
}

/** Horizontal grid lines at round y values with their labels, the x tick labels, both axes and the x-axis title. */
export function axes(a: PlotArea, o: { xTicks: readonly { at: number; label: string }[]; xLabel: string }): string {
  const { width: W, height: H, margin: m } = a;
  const { sx, sy } = scales(a);
  const parts: string[] = [];
  for (const t of niceTicks(a.y[0], a.y[1])) {
    const y = sy(t).toFixed(1);
    parts.push(`<line x1="${m.l}" x2="${W - m.r}" y1="${y}" y2="${y}" stroke="#eee"/>`);
    parts.push(`<text x="${m.l - 6}" y="${(sy(t) + 4).toFixed(1)}" text-anchor="end" font-size="11">${tickLabel(t)}</text>`);
  }
  for (const t of o.xTicks) parts.push(`<text x="${sx(t.at).toFixed(1)}" y="${H - m.b + 15}" text-anchor="middle" font-size="11">${escapeXml(t.label)}</text>`);
  parts.push(`<line x1="${m.l}" x2="${m.l}" y1="${m.t}" y2="${H - m.b}" stroke="#444"/>`);
  parts.push(`<line x1="${m.l}" x2="${W - m.r}" y1="${H - m.b}" y2="${H - m.b}" stroke="#444"/>`);
  parts.push(`<text x="${(W + m.l) / 2}" y="${H - 7}" text-anchor="middle" font-size="12">${escapeXml(o.xLabel)}</text>`);
  return parts.join('');
}

export interface SeriesMarks {
  name: string;
  /** Finite points only; the caller drops the others. */
  points: readonly (readonly [number, number])[];
  color: string;
  dashed?: boolean;
  /** The data attributes of a point's `<circle>` after `data-series` (e.g. `data-x="3" data-y="0.5"`). */
  pointData(x: number, y: number): string;
  /** A point's tooltip. */
  pointTitle(x: number, y: number): string;
}

/**
 * A series as a line through its points and a `<circle>` per point carrying `data-series` and the point's own data
 * attributes, so a chart can be checked (and read) point by point against the numbers it plots.
 */
export function seriesMarks(a: PlotArea, s: SeriesMarks): string {
  const { sx, sy } = scales(a);
  const dash = s.dashed ? ' stroke-dasharray="6 4"' : '';
  const name = escapeXml(s.name);
  const parts = [`<polyline fill="none" stroke="${s.color}" stroke-width="2"${dash} points="${s.points.map(([x, y]) => `${sx(x).toFixed(1)},${sy(y).toFixed(1)}`).join(' ')}"/>`];
  for (const [x, y] of s.points) {
    parts.push(
      `<circle cx="${sx(x).toFixed(1)}" cy="${sy(y).toFixed(1)}" r="2.6" fill="${s.color}" data-series="${name}" ${s.pointData(x, y)}><title>${escapeXml(s.pointTitle(x, y))}</title></circle>`,
    );
  }
  return parts.join('');
}

/** A standalone `<svg>` element (white background, no scripts or external resources) labelled for screen readers. */
export function svgDocument(width: number, height: number, label: string, body: string): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="${escapeXml(label)}"><rect x="0" y="0" width="${width}" height="${height}" fill="#fff"/>${body}</svg>`;
}
