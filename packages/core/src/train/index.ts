export { AdamW } from './adamw.js';
export type { AdamWOptions, OptimizerShard, StateTensor } from './adamw.js';
export type { ParamSlice } from './param-slices.js';
export { learningRate } from './lr-schedule.js';
export type { ScheduleAnchor, ScheduleKind, ScheduleOptions } from './lr-schedule.js';
export { clipByGlobalNorm, globalNorm, globToRegExp, trainableNames } from './grad-utils.js';
export { NonFiniteLossError, Trainer } from './trainer.js';
export type { LossFn, LossOutput, MicroBatch, StepStats, TrainerOptions, ZeroStage } from './trainer.js';
export {
  listCheckpoints,
  OPTIMIZER_FILE,
  pruneCheckpoints,
  readTrainerState,
  resolveCheckpoint,
  restoreOptimizer,
  saveTrainingCheckpoint,
  stepDirName,
  TRAINER_STATE_FILE,
} from './training-checkpoint.js';
export type { TrainerState } from './training-checkpoint.js';
export { dataRanOut, isEvalRow, runTraining, takeMicroBatches } from './run-training.js';
export type { EvalLogRow, LogEntry, LogRow, RunTrainingOptions, RunTrainingResult, SourceBatch } from './run-training.js';
export { evaluationLoss } from './evaluation-loss.js';
export { withPeakBytes } from './peak-bytes.js';
export type { EvaluationLoss } from './evaluation-loss.js';
export type { HfTrainerBookkeeping } from './trainer-state-file.js';
export * from './tensorboard/index.js';
