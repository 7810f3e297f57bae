import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Communicator } from '../distributed/communicator.js';
import type { SaveOptions } from '../model/pretrained.js';
import type { HfTrainerBookkeeping } from './trainer-state-file.js';
import { pruneCheckpoints, saveTrainingCheckpoint, stepDirName, type TrainerState } from './training-checkpoint.js';
import type { MicroBatch, StepStats, Trainer } from './trainer.js';

/** One micro-batch from the data stream, with what a resumed run needs to continue after it. */
export interface SourceBatch<B> extends MicroBatch<B> {
  /**
   * Real (non-padding) tokens for tokens/s and the token counters: in a world of several ranks, the tokens this
   * micro-batch stands for over every rank (so that rank 0's log counts the whole world's tokens).
   */
  tokens: number;
  /** Epochs completed after this micro-batch, fractional (HF's `epoch`, e.g. 0.25 a quarter into the first). */
  epoch: number;
  /** Serialisable stream position after this micro-batch. */
  position: unknown;
  /**
   * This micro-batch closes its optimizer step even if fewer than `accumulation` came before it: a source that
   * plans whole steps marks the last micro-batch of a short one (the last step of an epoch) so that the next step
   * does not borrow micro-batches of the next epoch.
   */
  endsStep?: boolean;
}

/**
 * The next optimizer step's micro-batches: `accumulation` of them, fewer when one closes its step early (endsStep)
 * or at the end of the data, none when the data is exhausted.
 */
export async function takeMicroBatches<B>(
  source: Iterator<SourceBatch<B>> | AsyncIterator<SourceBatch<B>>,
  accumulation: number,
): Promise<SourceBatch<B>[]> {
  const micro: SourceBatch<B>[] = [];
  while (micro.length < accumulation) {
    const next = await source.next();
    if (next.done) break;
    micro.push(next.value);
    if (next.value.endsStep) break;
  }
  return micro;
}

/** Whether a step's micro-batches show that the data ran out (short without a planned end of step). */
export function dataRanOut<B>(micro: SourceBatch<B>[], accumulation: number): boolean {
  return micro.length < accumulation && !micro.at(-1)?.endsStep;
}

/**
 * One line of `log.jsonl`: one optimizer step. `learning_rate` and `grad_norm` repeat `lr` and `gradNorm` under
 * the names HF's Trainer logs (its `log_history`), so tools written for HF logs read ours.
 */
export interface LogRow {
  step: number;
  epoch: number;
  loss: number;
  lr: number;
  learning_rate: number;
  gradNorm: number;
  grad_norm: number;
  tokens: number;
  tokPerS: number;
  elapsedS: number;
  /** Most tensor bytes tfjs held during the step (see `StepStats.peakBytes`). */
  peakBytes: number;
  [term: string]: number;
}

/** A line of `log.jsonl` with an evaluation of the held-out split, HF-style: `eval_loss`, `eval_<term>`, `eval_runtime`. */
export interface EvalLogRow {
  step: number;
  epoch: number;
  eval_loss: number;
  eval_runtime: number;
  eval_samples: number;
  elapsedS: number;
  [metric: string]: number;
}

export type LogEntry = LogRow | EvalLogRow;

export function isEvalRow(row: LogEntry): row is EvalLogRow {
  return 'eval_loss' in row && !('loss' in row);
}

export interface RunTrainingOptions<B> {
  /**
   * The trainer of this rank. Its `comm` (a world of one when absent) is the run's world: rank 0 writes the log,
   * checkpoints and evaluations; every rank takes the same steps and stops at the same step.
   */
  trainer: Trainer<B>;
  /** Micro-batches in order (sync or async, e.g. mapped from `@dft/data` `Dataset.batches`). */
  source: Iterator<SourceBatch<B>> | AsyncIterator<SourceBatch<B>>;
  /** Micro-batches per optimizer step. */
  accumulation: number;
  /** Stop after this many optimizer steps in total (counting steps done before a resume). */
  maxSteps: number;
  outDir: string;
  /** Save a checkpoint every N steps (and always at the end); 0 = only at the end. */
  saveEvery?: number;
  keepLast?: number;
  /** Seed and resolved config, stored in every checkpoint. */
  seed: number;
  config: unknown;
  /** State of the checkpoint this run resumes from (its log is continued). */
  resumed?: TrainerState;
  save?: SaveOptions;
  onStep?: (row: LogRow) => void;
  /** Every row appended to the log (steps and evaluations), after it is written to `log.jsonl`. */
  onLog?: (row: LogEntry) => void;
  /**
   * The objective on the held-out split (e.g. `evaluationLoss`), logged as its own row (`eval_loss`, `eval_<term>`)
   * every `validateEvery` steps (0 = never during the run) and once at the end, as HF's Trainer does with eval_steps.
   */
  validate?: (step: number) => Promise<{ loss: number; terms: Record<string, number>; weight: number }>;
  validateEvery?: number;
  /** What HF's trainer_state.json records about the plan (its `num_train_epochs` and `train_batch_size`). */
  plan?: { numTrainEpochs: number; trainBatchSize: number };
  /** Called every `evalEvery` steps after the update (e.g. evaluation with a limit); its numbers join the log row. */
  evaluate?: (step: number) => Record<string, number> | Promise<Record<string, number>>;
  evalEvery?: number;
  /** Finish the current step, save and return on SIGINT/SIGTERM to any rank (default true). */
  handleSignals?: boolean;
}

export interface RunTrainingResult {
  stoppedBy: 'maxSteps' | 'data' | 'signal';
  steps: number;
  lastCheckpoint: string | null;
  log: LogEntry[];
}

/** HF's `floating_point_ops` per token: 6 × the parameters that are not embeddings. */
function flopsPerToken(params: Map<string, { size: number }>): number {
  let n = 0;
  for (const [name, p] of params) if (!name.includes('embed_tokens')) n += p.size;
  return 6 * n;
}

/**
 * Whether any rank of the world asked to stop (a signal reached it): one tiny allreduce per step, so that every rank
 * stops after the same step, whichever of them got the signal and when.
 */
async function anyRankStops(comm: Communicator | undefined, mine: boolean): Promise<boolean> {
  if (!comm || comm.worldSize === 1) return mine;
  const flag = Float32Array.of(mine ? 1 : 0);
  await comm.allReduceMean([flag]);
  return flag[0]! > 0;
}

/**
 * The training loop of one rank: groups micro-batches into optimizer steps, logs each step (callback +
 * `outDir/log.jsonl`), saves checkpoints (atomic, `keepLast`), and stops at `maxSteps`, at the end of the data, or
 * after a signal. A NaN/Inf loss throws `NonFiniteLossError` before any save, so the last checkpoint stays the last
 * good one. In a world of several ranks (the trainer's `comm`) only rank 0 writes files and evaluates.
 */
export async function runTraining<B>(o: RunTrainingOptions<B>): Promise<RunTrainingResult> {
  const comm = o.trainer.opts.comm;
  const writer = (comm?.rank ?? 0) === 0;
  const logPath = path.join(o.outDir, 'log.jsonl');
  const log = [...((o.resumed?.log as LogEntry[] | undefined) ?? [])];
  if (writer) {
    fs.mkdirSync(o.outDir, { recursive: true });
    // A resumed run rewrites the log up to its checkpoint, dropping steps logged after it.
    fs.writeFileSync(logPath, log.map((r) => JSON.stringify(r) + '\n').join(''));
  }
  let signalled = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (signalled) {
      // A second signal: stop now, the default way.
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      process.kill(process.pid, signal);
    }
    signalled = true;
  };
  if (o.handleSignals !== false) {
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  }
  const elapsedBefore = log.length ? log[log.length - 1].elapsedS : 0;
  const started = performance.now();
  let step = o.resumed?.step ?? 0;
  let epoch = o.resumed?.epoch ?? 0;
  let position: unknown = o.resumed?.dataPosition ?? null;
  let lastCheckpoint: string | null = null;
  let stoppedBy: RunTrainingResult['stoppedBy'] = 'maxSteps';
  const flops = flopsPerToken(o.trainer.model.params);
  const trainRows = log.filter((r): r is LogRow => !isEvalRow(r));
  const hf: HfTrainerBookkeeping = o.resumed?.hf ?? {
    max_steps: 0,
    num_train_epochs: 0,
    train_batch_size: 0,
    logging_steps: 1,
    eval_steps: 0,
    save_steps: 0,
    num_input_tokens_seen: trainRows.reduce((s, r) => s + r.tokens, 0),
    total_flos: flops * trainRows.reduce((s, r) => s + r.tokens, 0),
    best_metric: null,
    best_global_step: null,
    best_model_checkpoint: null,
  };
  // The plan is this run's (a resumed run may change maxSteps); the counters and the best metric carry on.
  Object.assign(hf, {
    max_steps: o.maxSteps,
    num_train_epochs: o.plan?.numTrainEpochs ?? hf.num_train_epochs,
    train_batch_size: o.plan?.trainBatchSize ?? hf.train_batch_size,
    eval_steps: o.validateEvery ?? 0,
    save_steps: o.saveEvery ?? 0,
  });
  const append = (row: LogEntry) => {
    log.push(row);
    if (writer) fs.appendFileSync(logPath, JSON.stringify(row) + '\n');
    o.onLog?.(row);
  };
  let validatedAt = [...log].reverse().find(isEvalRow)?.step ?? -1;
  const validate = async () => {
    const t0 = performance.now();
    const v = await o.validate!(step);
    const runtime = (performance.now() - t0) / 1000;
    const row: EvalLogRow = {
      step,
      epoch,
      eval_loss: v.loss,
      ...Object.fromEntries(Object.entries(v.terms).map(([k, x]) => [`eval_${k}`, x])),
      eval_runtime: runtime,
      eval_samples: v.weight,
      eval_samples_per_second: v.weight / runtime,
      elapsedS: elapsedBefore + (performance.now() - started) / 1000,
    };
    validatedAt = step;
    if (hf.best_metric === null || v.loss < hf.best_metric) Object.assign(hf, { best_metric: v.loss, best_global_step: step });
    append(row);
  };
  const save = async () => {
    // A sharded optimizer gathers its moments from every rank (a collective), then only rank 0 writes.
    if (!writer) {
      if (o.trainer.optimizer.slices) await o.trainer.optimizer.stateTensors();
      return;
    }
    if (hf.best_global_step === step) hf.best_model_checkpoint = path.join(o.outDir, stepDirName(step));
    const state: TrainerState = { step, epoch, dataPosition: position, seed: o.seed, config: o.config, log, hf };
    lastCheckpoint = await saveTrainingCheckpoint(o.outDir, o.trainer.model, o.trainer.optimizer, state, o.save);
    if (o.keepLast) pruneCheckpoints(o.outDir, o.keepLast);
  };
  try {
    while (step < o.maxSteps) {
      // Let pending signals be delivered (a source that never awaits I/O would otherwise starve them).
      await new Promise((resolve) => setImmediate(resolve));
      if (await anyRankStops(comm, signalled)) {
        stoppedBy = 'signal';
        break;
      }
      const micro = await takeMicroBatches(o.source, o.accumulation);
      if (micro.length === 0) {
        stoppedBy = 'data';
        break;
      }
      const t0 = performance.now();
      const stats: StepStats = await o.trainer.step(micro);
      const seconds = (performance.now() - t0) / 1000;
      step = stats.step;
      const last = micro[micro.length - 1];
      epoch = last.epoch;
      position = last.position;
      const tokens = micro.reduce((s, m) => s + m.tokens, 0);
      hf.num_input_tokens_seen += tokens;
      hf.total_flos += flops * tokens;
      const row: LogRow = {
        step,
        epoch,
        loss: stats.loss,
        ...stats.terms,
        lr: stats.lr,
        learning_rate: stats.lr,
        gradNorm: stats.gradNorm,
        grad_norm: stats.gradNorm,
        tokens,
        tokPerS: tokens / seconds,
        peakBytes: stats.peakBytes,
        elapsedS: elapsedBefore + (performance.now() - started) / 1000,
      };
      if (writer && o.evaluate && o.evalEvery && step % o.evalEvery === 0) Object.assign(row, await o.evaluate(step));
      append(row);
      o.onStep?.(row);
      if (writer && o.validate && o.validateEvery && step % o.validateEvery === 0) await validate();
      if (o.saveEvery && step % o.saveEvery === 0 && step < o.maxSteps) await save();
      if (dataRanOut(micro, o.accumulation)) {
        stoppedBy = 'data';
        break;
      }
    }
    // The final evaluation, unless a signal asked to stop quickly or this step was just evaluated.
    if (writer && o.validate && stoppedBy !== 'signal' && step > 0 && validatedAt !== step) await validate();
    await save();
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  return { stoppedBy, steps: step, lastCheckpoint, log };
}
