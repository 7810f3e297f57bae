/**
 * What the other dft packages import from @dft/core beyond its public API (index.ts): building blocks of the
 * CLI and the sibling packages, not a stable interface for users; it may change in any release.
 */
export { findTfjsNode } from './backend/tensorflow/location.js';
export { toDftBatch } from './job/batch-tensors.js';
export { checkData } from './job/check-data.js';
export { checkTrainingConfig, TRAINING_NUMBER_KEYS, type SettingSource } from './job/check-training-config.js';
export { scheduleOf } from './job/resume-plan.js';
export { trainableNames } from './train/grad-utils.js';
export type { ScheduleAnchor } from './train/lr-schedule.js';
export { takeMicroBatches, type SourceBatch } from './train/run-training.js';
export { TRAINER_STATE_FILE } from './train/training-checkpoint.js';
export { checkReplicas } from './distributed/replicas.js';
