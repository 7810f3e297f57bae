/**
 * @dft/util: what several dft packages share and that needs no tensor library: seeded randomness, atomic file
 * writes, the batch-layout contract (sequence kinds, the ignored-label index) and the SVG chart kit.
 */
export { writeDirectoryAtomically, writeFileAtomic, writeFileAtomically } from './atomic-write.js';
export { seededRandom, shuffleInPlace } from './random.js';
export { IGNORE_INDEX, SEQUENCE_KINDS, type SequenceKind } from './sequence-kinds.js';
export { PALETTE, axes, escapeXml, niceTicks, scales, seriesColor, seriesMarks, svgDocument, tickLabel, type PlotArea, type SeriesMarks } from './svg-chart/index.js';
