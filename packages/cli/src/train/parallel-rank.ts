import {
  dataRanOut,
  runTraining,
  Trainer,
  type CausalLM,
  type Communicator,
  type LossFn,
  type RunTrainingOptions,
  type RunTrainingResult,
  takeMicroBatches,
  type TrainerOptions,
} from '@dft/core';
import type { Progress } from './progress.js';

/** What `runTrainJob` needs to run as one rank of a data-parallel job (see parallel-train.ts). */
export interface RankRun {
  comm: Communicator;
  /** The run's progress bar: rank 0's is relayed to the coordinator, the others are silent. */
  bar(totalSteps: number): Progress;
}

/** A plain Trainer, or a data-parallel replica (all-reduced gradients, replica check) for a rank. */
export function createTrainer<B>(model: CausalLM, lossFn: LossFn<B>, opts: TrainerOptions, rank?: RankRun): Trainer<B> {
  return new Trainer(model, lossFn, rank ? { ...opts, comm: rank.comm } : opts);
}

/**
 * The training loop of ranks > 0: the same grouping of micro-batches into steps as runTraining (so every rank
 * takes the same steps and meets the others in each step's all-reduce), without logs or checkpoints, which
 * rank 0 writes; with a sharded optimizer (ZeRO) each rank takes part in gathering the moments that rank 0 saves,
 * at the same steps as rank 0's saves. When rank 0 stops early (a signal), the step's all-reduce ends this loop
 * with GroupClosedError.
 */
async function followTraining<B>(o: RunTrainingOptions<B>): Promise<RunTrainingResult> {
  let step = o.resumed?.step ?? 0;
  let stoppedBy: RunTrainingResult['stoppedBy'] = 'maxSteps';
  const sharded = o.trainer.optimizer.slices !== undefined;
  while (step < o.maxSteps) {
    const micro = await takeMicroBatches(o.source, o.accumulation);
    if (micro.length === 0) {
      stoppedBy = 'data';
      break;
    }
    step = (await o.trainer.step(micro)).step;
    if (sharded && o.saveEvery && step % o.saveEvery === 0 && step < o.maxSteps) await o.trainer.optimizer.stateTensors();
    if (dataRanOut(micro, o.accumulation)) {
      stoppedBy = 'data';
      break;
    }
  }
  if (sharded) await o.trainer.optimizer.stateTensors();
  return { stoppedBy, steps: step, lastCheckpoint: null, log: [] };
}

/** The loop a rank runs: rank 0 (or a single worker) the full runTraining, the others followTraining. */
export function trainingLoop(rank?: RankRun): typeof runTraining {
  return !rank || rank.comm.rank === 0 ? runTraining : followTraining;
}
