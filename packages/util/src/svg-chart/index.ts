// One SVG chart kit for every report the project draws (the training report of `dft train`, the layer analysis
// of `dft layers`). It lives in @dft/util, which both @dft/eval and @dft/cli depend on and which depends on
// neither, so the CLI need not import drawing code from the evaluation library and no import cycle can form.
export { escapeXml } from './escape.js';
export { niceTicks, tickLabel } from './ticks.js';
export { PALETTE, axes, scales, seriesColor, seriesMarks, svgDocument } from './plot.js';
export type { PlotArea, SeriesMarks } from './plot.js';
