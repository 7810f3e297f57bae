import { existsSync, statSync, writeSync } from 'node:fs';
import { join, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { openDataset, type Batch, type Dataset } from '@dft/data';
import { dftObjective } from '@dft/losses';
import type { Tokenizer } from '@dft/tokenizer';
import { writeFileAtomically } from '@dft/util';
import { selectBackend } from '../backend/select-backend.js';
import type { Communicator } from '../distributed/communicator.js';
import { WorldOfOne } from '../distributed/world-of-one.js';
import type { CausalLM } from '../model/model.js';
import { loadPretrained } from '../model/pretrained.js';
import { renderReport } from '../report/html-report.js';
import { runTraining, type LogEntry, type LogRow } from '../train/run-training.js';
import { reportsToTensorboard, TensorBoardLog } from '../train/tensorboard/tensorboard-log.js';
import { NonFiniteLossError, Trainer } from '../train/trainer.js';
import { listCheckpoints, readTrainerState, resolveCheckpoint, restoreOptimizer, type TrainerState } from '../train/training-checkpoint.js';
import { toDftBatch } from './batch-tensors.js';
import { checkData } from './check-data.js';
import { checkTrainingConfig } from './check-training-config.js';
import { globalSteps, microBatches, resumePosition, type StepPlan } from './global-steps.js';
import { checkResumedObjective, resumedSchedule, type SavedConfig } from './resume-plan.js';
import { configFieldName, TRAINING_DEFAULTS, type SettingName, type TrainingConfig, type TrainingSettings } from './training-config.js';
import { kindsFor, startAfresh, trainFile } from './training-data.js';
import { openValidation, type Validation } from './validation-split.js';

/** One score of a benchmark evaluation (the fields of `@dft/eval`'s result rows that the job and its report read). */
export interface TaskScore {
  task: string;
  lang: string;
  metric: string;
  value: number;
  stderr: number | null;
  n: number;
}

/** Result files an evaluation wrote into the job's output folder. */
export interface WrittenTaskResults {
  json: string;
  markdown: string;
  /** lm-evaluation-harness's `results_<timestamp>.json`. */
  harness: string;
}

/** What the job asks of its evaluator: these tasks, on the model as it is now. */
export interface TaskEvaluationRequest {
  model: CausalLM;
  tokenizer: Tokenizer;
  tasks: string[];
  /** Examples per task (a count, or a fraction in (0, 1)); all when undefined. */
  limit?: number;
  /** The evaluated model's name in the results: `<method>-step-<step>`. */
  name: string;
  step: number;
  /** After training (`finalEvalTasks`) rather than every `evalEvery` steps (`evalTasks`). */
  final: boolean;
  /** The job's output folder, for result files (only rank 0 evaluates). */
  out: string;
  config: TrainingConfig;
}

/**
 * Benchmark evaluation during and after training. Core knows no benchmarks (`@dft/eval` builds on core), so a job
 * with `evalTasks` or `finalEvalTasks` is given one: `dft train` passes `@dft/eval`'s `evaluate` + `writeResults`.
 */
export type TaskEvaluator<R extends TaskScore = TaskScore> = (request: TaskEvaluationRequest) => Promise<{ rows: R[]; files?: WrittenTaskResults }>;

/** What the job hands its layer resolver: the model and the checked train split. */
export interface AutoLayersRequest {
  model: CausalLM;
  data: Dataset;
  /** The train split's file (for messages). */
  file: string;
  languages?: string[];
  tokenizerHash?: string;
}

/**
 * Resolves `lcLayer: "auto"` / `etLayer: "auto"` (`dft train` passes `@dft/eval`'s layer analysis). A hook rather
 * than layers resolved before the job: the analysis needs the loaded model and the prepared, checked data, which
 * the job loads anyway (resolving first would load both twice), and a resumed job keeps the layers of the run it
 * continues without asking.
 */
export type AutoLayerResolver = (request: AutoLayersRequest) => Promise<{ lcLayer: number; etLayer: number; why: string }>;

/** Where a job's steps begin (for progress bars and ETAs): a resumed job starts at its checkpoint. */
export interface TrainBegin {
  totalSteps: number;
  startStep: number;
  /** Training time (s) the run had before this process (the resumed checkpoint's last log row). */
  startElapsedS: number;
}

/** How a job reports (HF TrainerCallback-like). Every rank calls them; a caller shows rank 0's. */
export interface TrainingCallbacks {
  /** A line of information: data prepared, layers resolved, the plan, warnings. */
  onMessage?(text: string): void;
  /** Before the first step. */
  onTrainBegin?(begin: TrainBegin): void;
  /** After each optimizer step, with its log row. */
  onStep?(row: LogRow): void;
  /** Every row of log.jsonl (steps and validations) once written. */
  onLog?(row: LogEntry): void;
  /** After the last step, or when the loop stops with an error. */
  onTrainEnd?(): void;
}

export interface TrainingJobOptions<R extends TaskScore = TaskScore> extends TrainingCallbacks {
  /** The data-parallel world this process is a rank of (default: a world of one). Rank 0 writes the output folder. */
  comm?: Communicator;
  evaluate?: TaskEvaluator<R>;
  resolveAutoLayers?: AutoLayerResolver;
  /**
   * How messages name a setting to change (default: the TrainingConfig field, `overwrite: true`); a command line
   * passes one that names its flags.
   */
  settingName?: SettingName;
}

export interface TrainingJobResult<R extends TaskScore = TaskScore> {
  stoppedBy: 'maxSteps' | 'data' | 'signal';
  steps: number;
  checkpoint: string | null;
  log: string;
  report: string;
  /** The final evaluation's files and rows (rank 0, with `finalEvalTasks`). */
  results: WrittenTaskResults | null;
  resultRows: R[];
  /** The configuration trained (with "auto" layers resolved). */
  config: TrainingConfig;
}

function evalRow(rows: TaskScore[]): Record<string, number> {
  return Object.fromEntries(rows.map((r) => [`eval/${r.task}:${r.lang}/${r.metric}`, r.value]));
}

/**
 * A whole training run as a library object, in the manner of TRL's trainers: settings as plain fields (the rest
 * from `TRAINING_DEFAULTS`), callbacks for progress, and a Communicator for data parallelism. `train()` prepares
 * and checks the data, loads the model (or resumes a checkpoint), builds the objective of `method`, trains, saves
 * checkpoints, validates, evaluates and writes the report; every rank trains its share of each global step and
 * rank 0 writes the output folder (log.jsonl, checkpoints, report.html, TensorBoard files, results).
 */
export class TrainingJob<R extends TaskScore = TaskScore> {
  readonly config: TrainingConfig;
  private readonly comm: Communicator;

  constructor(
    settings: TrainingSettings,
    private readonly options: TrainingJobOptions<R> = {},
  ) {
    this.config = { ...TRAINING_DEFAULTS, ...settings };
    this.comm = options.comm ?? new WorldOfOne();
    checkTrainingConfig(this.config);
    const { globalBatch, microBatch } = this.config;
    if (globalBatch % (microBatch * this.comm.worldSize) !== 0) {
      throw new Error(`globalBatch ${globalBatch} is not a multiple of microBatch ${microBatch} × ${this.comm.worldSize} ranks (microBatch is per rank: globalBatch = microBatch × ranks × accumulation steps)`);
    }
    for (const [setting, tasks] of [['evalTasks', this.config.evalTasks], ['finalEvalTasks', this.config.finalEvalTasks]] as const) {
      if (tasks.length && !options.evaluate) throw new Error(`${setting} ${tasks.join(',')} needs an evaluator (the job's evaluate option, e.g. built on @dft/eval's evaluate)`);
    }
  }

  async train(): Promise<TrainingJobResult<R>> {
    const { comm, options } = this;
    const say = (text: string) => options.onMessage?.(text);
    const name = options.settingName ?? configFieldName;
    let c = this.config;
    await selectBackend({ prefer: c.backend });
    const out = resolve(c.out);
    const checkpointDir = c.resumeFrom ? resolveCheckpoint(c.resumeFrom, out) : null;
    // Rank 0 owns the output folder.
    const writer = comm.rank === 0;
    if (!checkpointDir && writer) startAfresh(out, c.overwrite, name);
    const resumed: TrainerState | undefined = checkpointDir ? readTrainerState(checkpointDir) : undefined;
    const saved = resumed?.config as SavedConfig | undefined;
    if (saved) for (const line of checkResumedObjective(saved, c, checkpointDir!, c.allowConfigChange, name)) say(line);
    const { model, tokenizer } = loadPretrained(checkpointDir ?? c.model, { seed: c.seed });
    model.gradientCheckpointing = c.gradientCheckpointing;
    // Everything opened from here on is released on every path out (errors included), so an in-process caller
    // (tests, a notebook) does not accumulate model weights or open files.
    let ds: Dataset | null = null;
    let trainer: Trainer<Batch> | null = null;
    let validation: Validation | null = null;
    let tensorboard: TensorBoardLog | null = null;
    try {
      const tokenizerDir = existsSync(join(c.model, 'tokenizer.json')) ? c.model : checkpointDir ?? c.model;
      if (!tokenizer) throw new Error(`${c.model} has no tokenizer.json: training data needs the model's tokenizer`);
      for (const [k, v] of [['lcLayer', c.lcLayer], ['etLayer', c.etLayer]] as const) {
        if (typeof v === 'number' && v > model.numLayers) throw new Error(`${k} ${v} is out of range 0..${model.numLayers} for ${c.model}`);
      }
      const file = await trainFile(c, tokenizerDir, say, comm);
      if (!existsSync(file) || !statSync(file).isFile()) throw new Error(`training data ${file} not found`);
      ds = await openDataset(file);
      checkData(ds, model, tokenizer.hash, c.model);
      // The kinds depend on the method and lambdas only, not on the layers "auto" resolves below.
      const kinds = kindsFor(c);
      validation = await openValidation(file, c, kinds, model, tokenizer.hash);
      if (c.method.startsWith('dft-') && (c.lcLayer === 'auto' || c.etLayer === 'auto')) {
        // sft/tft use no layer. A resumed run keeps the layers its first run resolved (a partly trained model may suggest others).
        const auto =
          typeof saved?.lcLayer === 'number' && typeof saved?.etLayer === 'number'
            ? { lcLayer: saved.lcLayer, etLayer: saved.etLayer, why: `as resolved by the run being resumed` }
            : await (async () => {
                if (!options.resolveAutoLayers) throw new Error(`lcLayer/etLayer "auto" needs a layer resolver (the job's resolveAutoLayers option, e.g. built on @dft/eval's layer analysis)`);
                say(`resolving "auto" layers by the layer analysis of ${file}`);
                return options.resolveAutoLayers({ model, data: ds!, file, languages: c.languages, tokenizerHash: tokenizer.hash });
              })();
        c = { ...c, lcLayer: c.lcLayer === 'auto' ? auto.lcLayer : c.lcLayer, etLayer: c.etLayer === 'auto' ? auto.etLayer : c.etLayer };
        say(`layers: lcLayer ${c.lcLayer}, etLayer ${c.etLayer} (${auto.why})`);
      }
      // microBatch is per rank: globalBatch = microBatch × ranks × accumulation steps.
      const accumulation = c.globalBatch / (c.microBatch * comm.worldSize);
      const plan: StepPlan = { globalBatch: c.globalBatch, seed: c.seed, bucketByLength: c.bucketByLength, kinds };
      const stepsPerEpoch = globalSteps(ds, plan, 0).length;
      const start = checkpointDir ? resumePosition(ds, plan, resumed!.dataPosition, resumed!.config as Partial<TrainingConfig>, checkpointDir) : { epoch: 0, example: 0 };
      const totalSteps = Math.min(c.epochs * stepsPerEpoch, c.maxSteps ?? Infinity);
      const schedule = saved ? resumedSchedule(saved, c, resumed!.step, stepsPerEpoch) : { from: undefined, note: null };
      if (schedule.note) say(schedule.note);
      const objective = dftObjective({
        method: c.method,
        lcLayer: typeof c.lcLayer === 'number' ? c.lcLayer : undefined,
        etLayer: typeof c.etLayer === 'number' ? c.etLayer : undefined,
        lambdaLc: c.lambdaLc,
        lambdaEt: c.lambdaEt,
        pool: c.pool,
        detachTeacher: c.detachTeacher,
        lossChunkTokens: c.lossChunkTokens,
      });
      const lossFn = (m: CausalLM, b: Batch) => {
        const r = objective(m, toDftBatch(b));
        const terms = Object.fromEntries(Object.entries(r.terms).filter(([, t]) => t !== undefined)) as Record<string, tf.Scalar>;
        return { loss: r.loss, terms };
      };
      trainer = new Trainer<Batch>(model, lossFn, {
        lr: c.lr,
        schedule: c.schedule,
        warmupSteps: c.warmupSteps ?? Math.ceil(c.warmupRatio * totalSteps),
        totalSteps,
        scheduleFrom: schedule.from,
        weightDecay: c.weightDecay,
        beta1: c.adamBeta1,
        beta2: c.adamBeta2,
        eps: c.adamEpsilon,
        maxGradNorm: c.maxGradNorm,
        freeze: c.freeze,
        zeroStage: c.zeroStage,
        comm,
      });
      if (checkpointDir) restoreOptimizer(checkpointDir, trainer.optimizer, model, resumed!.step);
      options.onTrainBegin?.({ totalSteps, startStep: resumed?.step ?? 0, startElapsedS: (resumed?.log?.at(-1) as LogRow | undefined)?.elapsedS ?? 0 });
      say(
        `training ${c.method} on ${file} (${ds.numRows} rows), ${totalSteps} steps of ${c.globalBatch} examples (${comm.worldSize > 1 ? `${comm.worldSize} ranks × ` : ''}${accumulation} × ${c.microBatch}), out ${out}`,
      );
      if (writer && reportsToTensorboard(c.reportTo)) tensorboard = new TensorBoardLog(out, (resumed?.log as LogEntry[] | undefined) ?? []);
      if (validation) say(`validation: ${validation.rows} rows of ${validation.file}, ${c.evalSteps ? `every ${c.evalSteps} steps and ` : ''}at the end`);
      const evaluateTasks = async (tasks: string[], limit: number | undefined, step: number, final: boolean) => {
        const name = `${c.method}-step-${step}`;
        return options.evaluate!({ model, tokenizer, tasks, limit, name, step, final, out, config: c });
      };
      let result;
      try {
        result = await runTraining({
          trainer,
          source: microBatches(ds, { ...plan, microBatch: c.microBatch, epochs: c.epochs }, start, { rank: comm.rank, worldSize: comm.worldSize }),
          accumulation,
          maxSteps: totalSteps,
          outDir: out,
          saveEvery: c.saveEvery,
          keepLast: c.keepLast,
          seed: c.seed,
          // The anchor travels with the checkpoints, so a later resume with this plan continues this schedule.
          config: schedule.from ? { ...c, scheduleFrom: schedule.from } : c,
          resumed,
          save: { dtype: c.dtype, tokenizerFrom: tokenizerDir },
          onStep: options.onStep,
          onLog: (row: LogEntry) => {
            tensorboard?.add(row);
            options.onLog?.(row);
          },
          validate: validation ? () => validation!.evaluate(model, lossFn) : undefined,
          validateEvery: c.evalSteps,
          // HF's train_batch_size: per device × devices.
          plan: { numTrainEpochs: c.epochs, trainBatchSize: c.microBatch * comm.worldSize },
          evalEvery: c.evalEvery,
          // Each evaluation leaves its result files as `dft eval` would (harness results_<time>.json included).
          evaluate: c.evalTasks.length ? async (step) => evalRow((await evaluateTasks(c.evalTasks, c.evalLimit, step, false)).rows) : undefined,
        });
      } catch (e) {
        if (e instanceof NonFiniteLossError) {
          const kept = listCheckpoints(out).pop();
          throw new Error(`${e.message}; ${kept ? `the last good checkpoint is ${kept}` : 'no checkpoint was saved (set saveEvery to keep one)'}`);
        }
        throw e;
      } finally {
        options.onTrainEnd?.();
      }
      let resultRows: R[] = [];
      let results: WrittenTaskResults | null = null;
      if (writer && c.finalEvalTasks.length && result.stoppedBy !== 'signal') {
        say(`evaluating ${c.finalEvalTasks.join(', ')}${c.finalEvalLimit ? ` (limit ${c.finalEvalLimit})` : ''}`);
        const evaluated = await evaluateTasks(c.finalEvalTasks, c.finalEvalLimit, result.steps, true);
        resultRows = evaluated.rows;
        results = evaluated.files ?? null;
      }
      const report = join(out, 'report.html');
      if (writer) {
        const html = renderReport({ title: `dft train: ${c.method}`, log: result.log, config: c, results: resultRows, checkpoint: result.lastCheckpoint });
        writeFileAtomically(report, (fd) => writeSync(fd, html));
      }
      return {
        stoppedBy: result.stoppedBy,
        steps: result.steps,
        checkpoint: result.lastCheckpoint,
        log: join(out, 'log.jsonl'),
        report,
        results,
        resultRows,
        config: c,
      };
    } finally {
      await ds?.close();
      await validation?.close();
      tensorboard?.close();
      trainer?.dispose();
      model.dispose();
    }
  }
}
