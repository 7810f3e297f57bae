import * as fs from 'node:fs';
import * as path from 'node:path';
import type { SaveOptions } from '../model/pretrained.js';
import { pruneCheckpoints, saveTrainingCheckpoint, type TrainerState } from './training-checkpoint.js';
import type { MicroBatch, StepStats, Trainer } from './trainer.js';

/** One micro-batch from the data stream, with what a resumed run needs to continue after it. */
export interface SourceBatch<B> extends MicroBatch<B> {
  /** Real (non-padding) tokens in the micro-batch, for tokens/s. */
  tokens: number;
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

/** One line of `log.jsonl`: one optimizer step. */
export interface LogRow {
  step: number;
  epoch: number;
  loss: number;
  lr: number;
  gradNorm: number;
  tokens: number;
  tokPerS: number;
  elapsedS: number;
  [term: string]: number;
}

export interface RunTrainingOptions<B> {
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
  /** Called every `evalEvery` steps after the update (e.g. evaluation with a limit); its numbers join the log row. */
  evaluate?: (step: number) => Record<string, number> | Promise<Record<string, number>>;
  evalEvery?: number;
  /** Finish the current step, save and return on SIGINT/SIGTERM (default true). */
  handleSignals?: boolean;
}

export interface RunTrainingResult {
  stoppedBy: 'maxSteps' | 'data' | 'signal';
  steps: number;
  lastCheckpoint: string | null;
  log: LogRow[];
}

/**
 * The training loop: groups micro-batches into optimizer steps, logs each step (callback + `outDir/log.jsonl`),
 * saves checkpoints (atomic, `keepLast`), and stops at `maxSteps`, at the end of the data, or after a signal.
 * A NaN/Inf loss throws `NonFiniteLossError` before any save, so the last checkpoint stays the last good one.
 */
export async function runTraining<B>(o: RunTrainingOptions<B>): Promise<RunTrainingResult> {
  fs.mkdirSync(o.outDir, { recursive: true });
  const logPath = path.join(o.outDir, 'log.jsonl');
  const log = [...((o.resumed?.log as LogRow[] | undefined) ?? [])];
  // A resumed run rewrites the log up to its checkpoint, dropping steps logged after it.
  fs.writeFileSync(logPath, log.map((r) => JSON.stringify(r) + '\n').join(''));
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
  const save = () => {
    const state: TrainerState = { step, epoch, dataPosition: position, seed: o.seed, config: o.config, log };
    lastCheckpoint = saveTrainingCheckpoint(o.outDir, o.trainer.model, o.trainer.optimizer, state, o.save);
    if (o.keepLast) pruneCheckpoints(o.outDir, o.keepLast);
  };
  try {
    while (step < o.maxSteps) {
      // Let pending signals be delivered (a source that never awaits I/O would otherwise starve them).
      await new Promise((resolve) => setImmediate(resolve));
      if (signalled) {
        stoppedBy = 'signal';
        break;
      }
      const micro = await takeMicroBatches(o.source, o.accumulation);
      if (micro.length === 0) {
        stoppedBy = 'data';
        break;
      }
      const t0 = performance.now();
      const stats: StepStats = o.trainer.step(micro);
      const seconds = (performance.now() - t0) / 1000;
      step = stats.step;
      const last = micro[micro.length - 1];
      epoch = last.epoch;
      position = last.position;
      const tokens = micro.reduce((s, m) => s + m.tokens, 0);
      const row: LogRow = {
        step,
        epoch,
        loss: stats.loss,
        ...stats.terms,
        lr: stats.lr,
        gradNorm: stats.gradNorm,
        tokens,
        tokPerS: tokens / seconds,
        elapsedS: elapsedBefore + (performance.now() - started) / 1000,
      };
      if (o.evaluate && o.evalEvery && step % o.evalEvery === 0) Object.assign(row, await o.evaluate(step));
      log.push(row);
      fs.appendFileSync(logPath, JSON.stringify(row) + '\n');
      o.onStep?.(row);
      if (o.saveEvery && step % o.saveEvery === 0 && step < o.maxSteps) save();
      if (dataRanOut(micro, o.accumulation)) {
        stoppedBy = 'data';
        break;
      }
    }
    save();
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  return { stoppedBy, steps: step, lastCheckpoint, log };
}
