import { existsSync, rmSync, statSync, writeSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { listCheckpoints, loadPretrained, NonFiniteLossError, readTrainerState, resolveCheckpoint, restoreOptimizer, selectBackend, Trainer, runTraining, WorldOfOne, type Communicator, type CausalLM, isEvalRow, type LogEntry, type LogRow, type TrainerState } from '@dft/core';
import { type SourceBatch } from '@dft/core/internal';
import { openDataset, prepareParallel, SIDECAR_NAME, type Batch, type Dataset, type SequenceKind } from '@dft/data';
import { evaluate, writeResults, type ResultRow, type WrittenResults } from '@dft/eval';
import { dftObjective } from '@dft/losses';
import { writeFileAtomically } from '@dft/util';
import { resolveAutoLayers } from '../commands/layers.js';
import { renderReport } from '../report/html-report.js';
import { checkData } from './check-data.js';
import { toDftBatch } from './batch-tensors.js';
import { globalSteps, microBatches, resumePosition, type StepPlan } from './global-steps.js';
import type { TrainConfig } from './config.js';
import { Progress } from './progress.js';
import { checkResumedObjective, resumedSchedule, type SavedConfig } from './resume-plan.js';
import { reportsToTensorboard, TensorBoardLog } from './tensorboard-log.js';
import { describeEvaluation, openValidation, type Validation } from './validation.js';

export interface TrainJobResult {
  stoppedBy: 'maxSteps' | 'data' | 'signal';
  steps: number;
  checkpoint: string | null;
  log: string;
  report: string;
  results: WrittenResults | null;
  resultRows: ResultRow[];
  config: TrainConfig;
}

/** Sequence kinds a method reads (others are not padded or copied). */
function kindsFor(c: TrainConfig): SequenceKind[] {
  switch (c.method) {
    case 'sft':
      return ['sft'];
    case 'tft':
      return ['tft'];
    case 'dft-logits':
      return ['tft', ...(c.lambdaLc > 0 ? (['lc'] as const) : []), ...(c.lambdaEt > 0 ? (['et'] as const) : [])];
    case 'dft-feature':
      return ['tft', 'en'];
  }
}

/**
 * The train split: a prepared folder, a .arrow file, or raw sources prepared into `<out>/data` first (by rank 0,
 * once; the other ranks wait for it and open what it wrote).
 */
export async function trainFile(c: TrainConfig, tokenizerDir: string, progress: Progress, comm: Communicator): Promise<string> {
  const sources = Array.isArray(c.data) ? c.data : [c.data];
  if (sources.length === 1) {
    const p = sources[0];
    if (p.endsWith('.arrow')) return p;
    if (existsSync(join(p, SIDECAR_NAME))) return join(p, 'train.arrow');
  }
  const outDir = join(c.out, 'data');
  if (comm.rank === 0) {
    progress.message(`preparing ${sources.join(', ')} → ${outDir}`);
    await prepareParallel({ input: sources, tokenizer: tokenizerDir, outDir, maxLength: c.maxLength, languages: c.languages });
  }
  await comm.barrier();
  return join(outDir, 'train.arrow');
}

/**
 * A fresh run must not mix its checkpoints with an earlier run's: `latest` would then name the other run's newest
 * step, and keepLast would prune by step number across both. Refuse unless `overwrite` says to delete them.
 */
function startAfresh(out: string, overwrite: boolean): void {
  const old = listCheckpoints(out);
  if (old.length === 0) return;
  if (!overwrite) {
    throw new Error(
      `${out} already holds checkpoints of an earlier run (${old.map((d) => basename(d)).join(', ')}): continue it with --resume-from latest, choose another --out, or pass --overwrite to delete them`,
    );
  }
  for (const dir of old) rmSync(dir, { recursive: true, force: true });
}

function evalRow(rows: ResultRow[]): Record<string, number> {
  return Object.fromEntries(rows.map((r) => [`eval/${r.task}:${r.lang}/${r.metric}`, r.value]));
}

/**
 * A whole `dft train` run as one rank of `comm` (a world of one by default): data, model, objective, loop,
 * checkpoints, log, report and final evaluation. Every rank trains on its share of each global step; rank 0 writes
 * the output folder and evaluates.
 */
export async function runTrainJob(config: TrainConfig, progress: Progress, comm: Communicator = new WorldOfOne()): Promise<TrainJobResult> {
  let c = config;
  await selectBackend({ prefer: c.backend });
  const out = resolve(c.out);
  const checkpointDir = c.resumeFrom ? resolveCheckpoint(c.resumeFrom, out) : null;
  // Rank 0 owns the output folder.
  const writer = comm.rank === 0;
  if (!checkpointDir && writer) startAfresh(out, c.overwrite);
  const resumed: TrainerState | undefined = checkpointDir ? readTrainerState(checkpointDir) : undefined;
  const saved = resumed?.config as SavedConfig | undefined;
  if (saved) for (const line of checkResumedObjective(saved, c, checkpointDir!, c.allowConfigChange)) progress.message(line);
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
    const file = await trainFile(c, tokenizerDir, progress, comm);
    if (!existsSync(file) || !statSync(file).isFile()) throw new Error(`training data ${file} not found`);
    ds = await openDataset(file);
    checkData(ds, model, tokenizer.hash, c.model);
    validation = await openValidation(file, c, kindsFor(c), model, tokenizer.hash);
    if (c.method.startsWith('dft-') && (c.lcLayer === 'auto' || c.etLayer === 'auto')) {
      // sft/tft use no layer. A resumed run keeps the layers its first run resolved (a partly trained model may suggest others).
      const auto =
        typeof saved?.lcLayer === 'number' && typeof saved?.etLayer === 'number'
          ? { lcLayer: saved.lcLayer, etLayer: saved.etLayer, why: `as resolved by the run being resumed` }
          : await (async () => {
              progress.message(`resolving "auto" layers by the layer analysis of ${file}`);
              const r = await resolveAutoLayers({ model, data: ds, langs: c.languages, tokenizerHash: tokenizer.hash });
              return { lcLayer: r.lcLayer, etLayer: r.etLayer, why: r.suggestion.explanation };
            })();
      c = { ...c, lcLayer: c.lcLayer === 'auto' ? auto.lcLayer : c.lcLayer, etLayer: c.etLayer === 'auto' ? auto.etLayer : c.etLayer };
      progress.message(`layers: lcLayer ${c.lcLayer}, etLayer ${c.etLayer} (${auto.why})`);
    }
    const kinds = kindsFor(c);
    // --micro-batch is per rank: globalBatch = microBatch × ranks × accumulation steps.
    const accumulation = c.globalBatch / (c.microBatch * comm.worldSize);
    const plan: StepPlan = { globalBatch: c.globalBatch, seed: c.seed, bucketByLength: c.bucketByLength, kinds };
    const stepsPerEpoch = globalSteps(ds, plan, 0).length;
    const start = checkpointDir ? resumePosition(ds, plan, resumed!.dataPosition, resumed!.config as Partial<TrainConfig>, checkpointDir) : { epoch: 0, example: 0 };
    const totalSteps = Math.min(c.epochs * stepsPerEpoch, c.maxSteps ?? Infinity);
    const schedule = saved ? resumedSchedule(saved, c, resumed!.step, stepsPerEpoch) : { from: undefined, note: null };
    if (schedule.note) progress.message(schedule.note);
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
    trainer = new Trainer<Batch>(
      model,
      lossFn,
      {
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
      },
    );
    if (checkpointDir) restoreOptimizer(checkpointDir, trainer.optimizer, model, resumed!.step);
    const bar = progress.forSteps(totalSteps);
    const evalOpts = { dataDir: c.evalDataDir, paths: c.evalData };
    progress.message(
      `dft train: ${c.method} on ${file} (${ds.numRows} rows), ${totalSteps} steps of ${c.globalBatch} examples (${comm.worldSize > 1 ? `${comm.worldSize} ranks × ` : ''}${accumulation} × ${c.microBatch}), out ${out}`,
    );
    if (writer && reportsToTensorboard(c.reportTo)) tensorboard = new TensorBoardLog(out, (resumed?.log as LogEntry[] | undefined) ?? []);
    if (validation) progress.message(`validation: ${validation.rows} rows of ${validation.file}, ${c.evalSteps ? `every ${c.evalSteps} steps and ` : ''}at the end`);
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
        onStep: (row: LogRow) => bar.step(row, resumed?.step ?? 0, (resumed?.log?.at(-1) as LogRow | undefined)?.elapsedS ?? 0),
        onLog: (row: LogEntry) => {
          tensorboard?.add(row);
          if (isEvalRow(row)) bar.message(describeEvaluation(row));
        },
        validate: validation ? () => validation!.evaluate(model, lossFn) : undefined,
        validateEvery: c.evalSteps,
        // HF's train_batch_size: per device × devices.
        plan: { numTrainEpochs: c.epochs, trainBatchSize: c.microBatch * comm.worldSize },
        evalEvery: c.evalEvery,
        evaluate: c.evalTasks.length
          ? async (step) => {
              const name = `${c.method}-step-${step}`;
              const evaluated = await evaluate({ model, tokenizer, tasks: c.evalTasks, limit: c.evalLimit, modelName: name, ...evalOpts });
              // Each evaluation leaves its result files as `dft eval` would (harness results_<time>.json included).
              if (writer) writeResults(out, evaluated.rows, name, { startedAt: evaluated.startedAt, modelPath: c.model });
              return evalRow(evaluated.rows);
            }
          : undefined,
      });
    } catch (e) {
      bar.end();
      if (e instanceof NonFiniteLossError) {
        const kept = listCheckpoints(out).pop();
        throw new Error(`${e.message}; ${kept ? `the last good checkpoint is ${kept}` : 'no checkpoint was saved (set saveEvery to keep one)'}`);
      }
      throw e;
    }
    bar.end();
    let resultRows: ResultRow[] = [];
    let results: TrainJobResult['results'] = null;
    if (writer && c.finalEvalTasks.length && result.stoppedBy !== 'signal') {
      progress.message(`evaluating ${c.finalEvalTasks.join(', ')}${c.finalEvalLimit ? ` (limit ${c.finalEvalLimit})` : ''}`);
      const name = `${c.method}-step-${result.steps}`;
      const evaluated = await evaluate({ model, tokenizer, tasks: c.finalEvalTasks, limit: c.finalEvalLimit, modelName: name, ...evalOpts });
      resultRows = evaluated.rows;
      results = writeResults(out, resultRows, name, { startedAt: evaluated.startedAt, modelPath: c.model });
    }
    const report = join(out, 'report.html');
    const html = renderReport({ title: `dft train: ${c.method}`, log: result.log, config: c, results: resultRows, checkpoint: result.lastCheckpoint });
    if (writer) writeFileAtomically(report, (fd) => writeSync(fd, html));
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
