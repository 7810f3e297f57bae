export { seededRandom, shuffleInPlace } from './random.js';
export { tempPathFor, writeAll, writeDirectoryAtomically, writeFileAtomic, writeFileAtomically } from './atomic-write.js';
export { PALETTE, axes, escapeXml, niceTicks, scales, seriesColor, seriesMarks, svgDocument, tickLabel } from './svg-chart/index.js';
export type { PlotArea, SeriesMarks } from './svg-chart/index.js';
