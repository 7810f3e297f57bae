/**
 * @dft/data: read instruction data (Alpaca JSON/JSONL, the parallel form, Parquet, Arrow), prepare it into Arrow
 * splits with token columns in the DFT batch layout, and stream batches (padding, bucketing, shuffling, sharding).
 */
export { IGNORE_INDEX, SEQUENCE_KINDS } from '@dft/util';
export type { SequenceKind } from '@dft/util';
export type { Batch, BatchOptions, DataPosition } from './batch/batch-iterator.js';
export { planEpoch, shardRows } from './batch/batch-plan.js';
export { shardStep } from './batch/shard-step.js';
export type { StepShard } from './batch/shard-step.js';
export type { PlanOptions } from './batch/batch-plan.js';
export { collate } from './batch/collate.js';
export type { SequenceBatch } from './batch/collate.js';
export { Dataset, openDataset, readTextRows } from './batch/dataset.js';
export type { OpenOptions, TextRow } from './batch/dataset.js';
export { SIDECAR_NAME, prepareParallel } from './prepare/prepare.js';
export type { DatasetSidecar, PrepareCounts, PrepareOptions, PrepareProgress, PrepareSummary } from './prepare/prepare.js';
export type { SplitName } from './prepare/split.js';
export { ALPACA_TEMPLATE, TEMPLATES, queryText, renderPrompt, resolveTemplate } from './prepare/templates.js';
export type { PromptTemplate, RenderedPrompt } from './prepare/templates.js';
export { readExamples } from './read/examples.js';
export type { ExampleSourceOptions } from './read/examples.js';
export { readJsonArray, readJsonLines } from './read/json-records.js';
export type { ParallelExample } from './read/records.js';
export type { SourceRecord } from './read/source-record.js';
export { readRecords } from './read/sources.js';
export type { FormatOption, SourceFormat } from './read/sources.js';
