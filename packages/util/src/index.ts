export { seededRandom, shuffleInPlace } from './random.js';
export { tempPathFor, writeAll, writeDirectoryAtomically, writeFileAtomic, writeFileAtomically } from './atomic-write.js';
export { PALETTE, axes, escapeXml, niceTicks, scales, seriesColor, seriesMarks, svgDocument, tickLabel } from './svg-chart/index.js';
export type { PlotArea, SeriesMarks } from './svg-chart/index.js';
export { IGNORE_INDEX, SEQUENCE_KINDS } from './sequence-kinds.js';
export type { SequenceKind } from './sequence-kinds.js';
