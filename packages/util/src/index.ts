export { writeDirectoryAtomically, writeFileAtomic, writeFileAtomically } from './atomic-write.js';
export { seededRandom, shuffleInPlace } from './random.js';
export { IGNORE_INDEX, SEQUENCE_KINDS } from './sequence-kinds.js';
export type { SequenceKind } from './sequence-kinds.js';
export { escapeXml } from './svg-chart/escape.js';
export { PALETTE, axes, scales, seriesColor, seriesMarks, svgDocument } from './svg-chart/plot.js';
export type { PlotArea, SeriesMarks } from './svg-chart/plot.js';
export { niceTicks, tickLabel } from './svg-chart/ticks.js';
