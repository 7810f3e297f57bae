import * as tf from '@tensorflow/tfjs-core';
import type { CausalLM } from '../model/model.js';
import type { LossFn, MicroBatch } from './trainer.js';

/** The training objective averaged over a held-out set: the loss and each named term. */
export interface EvaluationLoss {
  loss: number;
  terms: Record<string, number>;
  /** Total weight (examples) the averages cover. */
  weight: number;
  /** Micro-batches evaluated. */
  batches: number;
}

/**
 * The objective over held-out micro-batches without gradients: forward passes only, each inside `tf.tidy`, so no
 * tensor outlives its batch. Batches are averaged with their weights exactly as `Trainer.step` averages the
 * micro-batches of a global step, so an evaluation batch of the same rows gives the same number as training's
 * logged loss would before the update.
 */
export async function evaluationLoss<B>(
  model: CausalLM,
  lossFn: LossFn<B>,
  batches: Iterable<MicroBatch<B>> | AsyncIterable<MicroBatch<B>>,
): Promise<EvaluationLoss> {
  let weight = 0;
  let loss = 0;
  let count = 0;
  const terms: Record<string, number> = {};
  for await (const { batch, weight: w } of batches) {
    if (w <= 0) continue;
    const values = tf.tidy(() => {
      const out = lossFn(model, batch);
      const names = Object.keys(out.terms ?? {});
      const all = tf.stack([out.loss, ...names.map((k) => out.terms![k]!)]);
      return { names, data: all.dataSync() };
    });
    const [l, ...t] = values.data;
    if (!Number.isFinite(l)) throw new Error(`evaluation: the loss of evaluation batch ${count + 1} is ${l}`);
    loss += l! * w;
    values.names.forEach((k, i) => (terms[k] = (terms[k] ?? 0) + t[i]! * w));
    weight += w;
    count++;
  }
  if (weight === 0) throw new Error('evaluation: no examples to evaluate');
  return { loss: loss / weight, terms: Object.fromEntries(Object.entries(terms).map(([k, v]) => [k, v / weight])), weight, batches: count };
}
