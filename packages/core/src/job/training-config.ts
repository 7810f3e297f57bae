import type { DftMethod } from '@dft/losses';
import type { BackendName } from '../backend/select-backend.js';

/**
 * The settings of a training job (`TrainingJob`; `dft train` reads them from a config file and flags), as plain
 * fields in the manner of HF's TrainingArguments. Checkpoints store them, so that a resume can tell what changed.
 */
export interface TrainingConfig {
  /** Model directory (HF format; config.json alone = random init), or a Hub id (org/name) in the local HF cache. */
  model: string;
  /** Revision of a Hub-id `model`: branch, tag or commit hash (default main). */
  revision?: string;
  /** Prepared data (a folder with dataset.json, or a train .arrow file), or raw source files to prepare first. */
  data: string | string[];
  /** Languages to keep when preparing raw parallel data. */
  languages?: string[];
  method: DftMethod;
  lcLayer?: number | 'auto';
  etLayer?: number | 'auto';
  lambdaLc: number;
  lambdaEt: number;
  pool: 'mean' | 'last';
  detachTeacher: boolean;
  lr: number;
  epochs: number;
  /** Examples per optimizer step (all micro-batches of all ranks): microBatch × workers × accumulation steps. */
  globalBatch: number;
  /** Examples per forward pass of one rank (HF's per_device_train_batch_size). */
  microBatch: number;
  schedule: 'cosine' | 'linear' | 'constant';
  warmupRatio: number;
  /** Warmup in optimizer steps; when set it wins over warmupRatio. */
  warmupSteps?: number;
  weightDecay: number;
  adamBeta1: number;
  adamBeta2: number;
  adamEpsilon: number;
  maxGradNorm: number;
  maxLength: number;
  maxSteps?: number;
  seed: number;
  out: string;
  saveEvery: number;
  keepLast: number;
  resumeFrom?: string;
  freeze: string[];
  bucketByLength: boolean;
  /** Recompute each decoder layer in the backward pass instead of keeping its activations (HF's gradient_checkpointing). */
  gradientCheckpointing: boolean;
  /**
   * Tokens per chunk of the LM-head losses (`dftObjective`'s lossChunkTokens): 0 = off (full logits); unset = on for
   * passes whose logits would exceed 2^24 values, with chunks of 2^24 / vocabulary tokens.
   */
  lossChunkTokens?: number;
  /** Start afresh in an `out` that holds checkpoints of an earlier run, deleting them (otherwise an error). */
  overwrite: boolean;
  /** Resume although the objective or data settings differ from the checkpoint's (otherwise an error naming them). */
  allowConfigChange: boolean;
  /** Stored dtype of saved checkpoints; unset = the model's own dtype. */
  dtype?: 'float32' | 'float16' | 'bfloat16';
  evalEvery: number;
  /** Validation loss (validation.arrow beside the train split) every N steps, HF's eval_steps; 0 = only at the end. */
  evalSteps: number;
  /** Validation rows evaluated (the first N in file order); all when unset. */
  evalMaxExamples?: number;
  /** Where logs go besides log.jsonl (HF's report_to): `tensorboard` writes event files under `out`. */
  reportTo: string[];
  evalTasks: string[];
  evalLimit: number;
  /** Evaluation after training (tasks, limit); empty = none. */
  finalEvalTasks: string[];
  finalEvalLimit?: number;
  evalDataDir?: string;
  evalData?: Record<string, string>;
  backend?: BackendName;
  /** Data-parallel ranks (MPI processes); under mpirun/srun, the size of the MPI world. */
  workers: number;
  /** ZeRO stage with several workers: 0 replicates the AdamW moments, 1 shards them, 2 also reduce-scatters gradients. */
  zeroStage: 0 | 1 | 2;
}

/** The value of every setting a job's config may leave out (all but the model, the data and the output folder). */
export const TRAINING_DEFAULTS: Omit<TrainingConfig, 'model' | 'data' | 'out'> = {
  method: 'dft-logits',
  lambdaLc: 1,
  lambdaEt: 1,
  pool: 'mean',
  detachTeacher: true,
  lr: 2e-5,
  epochs: 3,
  globalBatch: 128,
  microBatch: 8,
  schedule: 'cosine',
  warmupRatio: 0.03,
  weightDecay: 0,
  adamBeta1: 0.9,
  adamBeta2: 0.999,
  adamEpsilon: 1e-8,
  maxGradNorm: 1,
  maxLength: 512,
  seed: 42,
  saveEvery: 0,
  keepLast: 2,
  freeze: [],
  bucketByLength: false,
  gradientCheckpointing: false,
  overwrite: false,
  allowConfigChange: false,
  evalEvery: 0,
  evalSteps: 0,
  reportTo: [],
  evalTasks: [],
  evalLimit: 50,
  finalEvalTasks: [],
  workers: 1,
  zeroStage: 0,
};

/** What a job is given: the model, the data and the output folder, and any other setting (the rest from TRAINING_DEFAULTS). */
export type TrainingSettings = Pick<TrainingConfig, 'model' | 'data' | 'out'> & Partial<TrainingConfig>;

/**
 * How the job's messages tell a user which setting to change: `key` alone, or given `value`. The default names the
 * TrainingConfig field (`resumeFrom: "latest"`); a front end passes its own (`dft train` names its flags,
 * `--resume-from latest`).
 */
export type SettingName = (key: keyof TrainingConfig, value?: string | true) => string;

export const configFieldName: SettingName = (key, value) => (value === undefined ? key : `${key}: ${JSON.stringify(value)}`);
