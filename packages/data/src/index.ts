/**
 * @dft/data: read instruction data (Alpaca JSON/JSONL, the parallel form, Parquet, Arrow), prepare it into Arrow
 * splits with token columns in the DFT batch layout, and stream batches (padding, bucketing, shuffling, sharding).
 */
export { IGNORE_INDEX, SEQUENCE_KINDS, type SequenceKind } from '@dft/util';
export type { Batch, BatchOptions, DataPosition } from './batch/batch-iterator.js';
export { planEpoch, shardRows } from './batch/batch-plan.js';
export { shardStep, type StepShard } from './batch/shard-step.js';
export type { PlanOptions } from './batch/batch-plan.js';
export { collate, type SequenceBatch } from './batch/collate.js';
export { Dataset, openDataset, readTextRows, type OpenOptions, type TextRow } from './batch/dataset.js';
export { SIDECAR_NAME, prepareParallel, type DatasetSidecar, type PrepareCounts, type PrepareOptions, type PrepareProgress, type PrepareSummary } from './prepare/prepare.js';
export type { SplitName } from './prepare/split.js';
export { ALPACA_TEMPLATE, TEMPLATES, queryText, renderPrompt, resolveTemplate, type PromptTemplate, type RenderedPrompt } from './prepare/templates.js';
export { readExamples, type ExampleSourceOptions } from './read/examples.js';
export { readJsonArray, readJsonLines } from './read/json-records.js';
export type { ParallelExample } from './read/records.js';
export type { SourceRecord } from './read/source-record.js';
export { readRecords, type FormatOption, type SourceFormat } from './read/sources.js';
