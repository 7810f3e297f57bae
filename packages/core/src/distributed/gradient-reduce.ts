import * as tf from '@tensorflow/tfjs-core';
import type { TrainerOptions } from '../train/trainer.js';
import type { Communicator } from './communicator.js';

export type ReduceHook = NonNullable<TrainerOptions['reduce']>;

/**
 * The Trainer `reduce` hook of a data-parallel run: every gradient, the loss and the loss terms become their
 * mean over the ranks weighted by each rank's example count, in one collective. Each rank's local values are
 * already example-weighted means over its micro-batches, so the result equals one worker's step over the union
 * of the ranks' micro-batches, uneven last batches included. `weightOf` may override the local weight (0 for a
 * rank that only computed a stand-in batch).
 */
export function gradientAllReduce(comm: Communicator, weightOf: (local: { weight: number }) => number = (l) => l.weight): ReduceHook {
  return async (grads, local) => {
    const names = [...grads.keys()];
    // The same term names on every rank, in the same order (the objective is the same everywhere).
    const termNames = Object.keys(local.terms).sort();
    const scalars = Float32Array.from([local.loss, ...termNames.map((k) => local.terms[k]!)]);
    // Reduced in place in what dataSync() returns: a copy on wasm/tensorflow, the gradient's own storage on cpu,
    // which is fine too, as each gradient is replaced by a new tensor and disposed just below.
    const arrays = names.map((n) => grads.get(n)!.dataSync() as Float32Array);
    await comm.allReduceMean([...arrays, scalars], weightOf(local));
    names.forEach((n, i) => {
      const old = grads.get(n)!;
      grads.set(n, tf.tensor(arrays[i]!, old.shape, 'float32'));
      old.dispose();
    });
    return { loss: scalars[0]!, terms: Object.fromEntries(termNames.map((k, i) => [k, scalars[i + 1]!])) };
  };
}
