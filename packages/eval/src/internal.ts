/**
 * What the other dft packages import from @dft/eval beyond its public API (index.ts): building blocks of the
 * CLI and the sibling packages, not a stable interface for users; it may change in any release.
 */
export { LAYERS_FILES, layersReport, layersTable, suggestFromAnalysis, writeLayersReport, type LayersReport } from './layers/report.js';
export { loadTask } from './tasks/load-task.js';
export { sampleExamples } from './tasks/sample.js';
export { tokenizeMc } from './scoring/tokenize-mc.js';
export { truncateRequests } from './scoring/truncate.js';
