/**
 * @dft/core: the decoder transformer (LLaMA family, Gemma-2) with hidden-state hooks and the logit lens, backend
 * selection, Hugging Face checkpoint I/O, generation, the trainer and training run (AdamW, schedules, checkpoints,
 * ZeRO over a Communicator), the training job (`TrainingJob`: data, objective, validation, evaluation hooks, report),
 * and the memory planner. What only the CLI needs is in `@dft/core/internal`.
 */
export { BACKEND_ORDER, availableBackends, selectBackend } from './backend/select-backend.js';
export type { BackendName, SelectBackendOptions } from './backend/select-backend.js';
export { openCheckpoint } from './checkpoint/checkpoint.js';
export type { Checkpoint } from './checkpoint/checkpoint.js';
export type { SafetensorsDtype } from './checkpoint/dtypes.js';
export { CheckpointError } from './checkpoint/errors.js';
export { writeSafetensors } from './checkpoint/writer.js';
export type { TensorToWrite } from './checkpoint/writer.js';
export type { Communicator } from './distributed/communicator.js';
export { MpiCommunicator } from './distributed/mpi-communicator.js';
export type { MpiCollectives } from './distributed/mpi-communicator.js';
export { WorldOfOne } from './distributed/world-of-one.js';
export { parameterSpecs, parseConfig } from './model/config.js';
export type { Activation, ModelConfig, ModelType, ParamSpec } from './model/config.js';
export { TRAINING_DEFAULTS } from './job/training-config.js';
export type { TrainingConfig, TrainingSettings } from './job/training-config.js';
export { TrainingJob } from './job/training-job.js';
export type {
  AutoLayerResolver,
  AutoLayersRequest,
  TaskEvaluationRequest,
  TaskEvaluator,
  TaskScore,
  TrainBegin,
  TrainingCallbacks,
  TrainingJobOptions,
  TrainingJobResult,
  WrittenTaskResults,
} from './job/training-job.js';
export { generate } from './model/generate.js';
export type { FinishReason, GenerateOptions, GenerateResult } from './model/generate.js';
export { hubCacheDir, isHubId, resolveModelDir } from './model/hub-cache.js';
export type { ResolveModelOptions } from './model/hub-cache.js';
export { initialParameters } from './model/init.js';
export { KVCache } from './model/kv-cache.js';
export { CausalLM } from './model/model.js';
export { loadPretrained, savePretrained } from './model/pretrained.js';
export type { LoadOptions, Pretrained, SaveDtype, SaveOptions } from './model/pretrained.js';
export { sampleToken } from './model/sampling.js';
export type { SamplingOptions } from './model/sampling.js';
export type { ForwardOptions, ForwardResult, LmHead, LmHeadOptions } from './model/types.js';
export { planMemory } from './plan/memory-plan.js';
export type { MemoryPlan, PlanSettings } from './plan/memory-plan.js';
export { renderReport } from './report/html-report.js';
export type { ReportInput } from './report/html-report.js';
export { AdamW } from './train/adamw.js';
export type { AdamWOptions } from './train/adamw.js';
export { evaluationLoss } from './train/evaluation-loss.js';
export type { EvaluationLoss } from './train/evaluation-loss.js';
export { clipByGlobalNorm, globalNorm } from './train/grad-utils.js';
export { learningRate } from './train/lr-schedule.js';
export type { ScheduleKind, ScheduleOptions } from './train/lr-schedule.js';
export { withPeakBytes } from './train/peak-bytes.js';
export { isEvalRow, runTraining } from './train/run-training.js';
export type { EvalLogRow, LogEntry, LogRow, RunTrainingOptions, RunTrainingResult } from './train/run-training.js';
export { EventFileWriter, readEventFile } from './train/tensorboard/event-file.js';
export type { EventFileOptions } from './train/tensorboard/event-file.js';
export { NonFiniteLossError, Trainer } from './train/trainer.js';
export type { LossFn, LossOutput, MicroBatch, StepStats, TrainerOptions, ZeroStage } from './train/trainer.js';
export { listCheckpoints, readTrainerState, resolveCheckpoint, restoreOptimizer, saveTrainingCheckpoint } from './train/training-checkpoint.js';
export type { TrainerState } from './train/training-checkpoint.js';
