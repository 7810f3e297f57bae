/**
 * @dft/core: the decoder transformer (LLaMA family, Gemma-2) with hidden-state hooks and the logit lens, backend
 * selection, Hugging Face checkpoint I/O, generation, the trainer and training run (AdamW, schedules, checkpoints,
 * ZeRO over a Communicator), the training job (`TrainingJob`: data, objective, validation, evaluation hooks, report),
 * and the memory planner. What only the CLI needs is in `@dft/core/internal`.
 */
export { BACKEND_ORDER, availableBackends, selectBackend, type BackendName, type SelectBackendOptions } from './backend/select-backend.js';
export { openCheckpoint, type Checkpoint } from './checkpoint/checkpoint.js';
export type { SafetensorsDtype } from './checkpoint/dtypes.js';
export { CheckpointError } from './checkpoint/errors.js';
export { writeSafetensors, type TensorToWrite } from './checkpoint/writer.js';
export type { Communicator } from './distributed/communicator.js';
export { MpiCommunicator, type MpiCollectives } from './distributed/mpi-communicator.js';
export { WorldOfOne } from './distributed/world-of-one.js';
export { parameterSpecs, parseConfig, type Activation, type ModelConfig, type ModelType, type ParamSpec } from './model/config.js';
export { TRAINING_DEFAULTS, type SettingName, type TrainingConfig, type TrainingSettings } from './job/training-config.js';
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
export { generate, type FinishReason, type GenerateOptions, type GenerateResult } from './model/generate.js';
export { hubCacheDir, isHubId, resolveModelDir, type ResolveModelOptions } from './model/hub-cache.js';
export { initialParameters } from './model/init.js';
export { KVCache } from './model/kv-cache.js';
export { CausalLM } from './model/model.js';
export { loadPretrained, savePretrained, type LoadOptions, type Pretrained, type SaveDtype, type SaveOptions } from './model/pretrained.js';
export { sampleToken, type SamplingOptions } from './model/sampling.js';
export type { ForwardOptions, ForwardResult, LmHead, LmHeadOptions } from './model/types.js';
export { planMemory, type MemoryPlan, type PlanSettings } from './plan/memory-plan.js';
export { renderReport, type ReportInput } from './report/html-report.js';
export { AdamW, type AdamWOptions } from './train/adamw.js';
export { evaluationLoss, type EvaluationLoss } from './train/evaluation-loss.js';
export { clipByGlobalNorm, globalNorm } from './train/grad-utils.js';
export { learningRate, type ScheduleKind, type ScheduleOptions } from './train/lr-schedule.js';
export { withPeakBytes } from './train/peak-bytes.js';
export { isEvalRow, runTraining, type EvalLogRow, type LogEntry, type LogRow, type RunTrainingOptions, type RunTrainingResult } from './train/run-training.js';
export { EventFileWriter, readEventFile, type EventFileOptions } from './train/tensorboard/event-file.js';
export { NonFiniteLossError, Trainer, type LossFn, type LossOutput, type MicroBatch, type StepStats, type TrainerOptions, type ZeroStage } from './train/trainer.js';
export { listCheckpoints, readTrainerState, resolveCheckpoint, restoreOptimizer, saveTrainingCheckpoint, type TrainerState } from './train/training-checkpoint.js';
export { variableGrads } from './train/variable-grads.js';
