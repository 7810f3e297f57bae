import * as tf from '@tensorflow/tfjs-core';
import type { ParamSlice } from '../train/param-slices.js';
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
    const { termNames, scalars } = lossScalars(local);
    // Reduced in place in what dataSync() returns: a copy on wasm/tensorflow, the gradient's own storage on cpu,
    // which is fine too, as each gradient is replaced by a new tensor and disposed just below.
    const arrays = names.map((n) => grads.get(n)!.dataSync() as Float32Array);
    await comm.allReduceMean([...arrays, scalars], weightOf(local));
    names.forEach((n, i) => {
      const old = grads.get(n)!;
      grads.set(n, tf.tensor(arrays[i]!, old.shape, 'float32'));
      old.dispose();
    });
    return lossResult(termNames, scalars);
  };
}

/**
 * The reduce hook of ZeRO-2: the gradients are reduce-scattered, so each rank keeps (as 1-D tensors) only the
 * `slices` it updates, averaged over the ranks as `gradientAllReduce` averages them; the loss and terms are
 * all-reduced, and the global gradient norm comes from the ranks' sums of squares over their slices. The
 * gradients' order must be the order the slices were cut in (the trainable parameters').
 */
export function gradientReduceScatter(comm: Communicator, slices: readonly ParamSlice[], weightOf: (local: { weight: number }) => number = (l) => l.weight): ReduceHook {
  return async (grads, local) => {
    const names = [...grads.keys()];
    const { termNames, scalars } = lossScalars(local);
    const arrays = names.map((n) => grads.get(n)!.dataSync() as Float32Array);
    const weight = weightOf(local);
    await comm.reduceScatter(arrays, weight);
    await comm.allReduceMean([scalars], weight);
    let sumSq = 0;
    names.forEach((n, i) => {
      grads.get(n)!.dispose();
      grads.delete(n);
      const slice = slices.find((s) => s.name === n);
      if (!slice) return;
      const part = arrays[i]!.subarray(slice.start, slice.start + slice.length);
      for (const x of part) sumSq += x * x;
      grads.set(n, tf.tensor1d(part.slice(), 'float32'));
    });
    // Mean over ranks × ranks = the sum over every element's single owner.
    const norm = Float32Array.of(sumSq);
    await comm.allReduceMean([norm]);
    return { ...lossResult(termNames, scalars), gradNorm: Math.sqrt(norm[0]! * comm.worldSize) };
  };
}

/** The loss then the terms (sorted by name: the objective, hence its term names, is the same on every rank). */
function lossScalars(local: { loss: number; terms: Record<string, number> }): { termNames: string[]; scalars: Float32Array } {
  const termNames = Object.keys(local.terms).sort();
  return { termNames, scalars: Float32Array.from([local.loss, ...termNames.map((k) => local.terms[k]!)]) };
}

function lossResult(termNames: string[], scalars: Float32Array): { loss: number; terms: Record<string, number> } {
  return { loss: scalars[0]!, terms: Object.fromEntries(termNames.map((k, i) => [k, scalars[i + 1]!])) };
}
