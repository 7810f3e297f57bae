import * as tf from '@tensorflow/tfjs-core';
import { applyHead } from './logit-lens-loss.js';
import type { LogitLensHead } from './model.js';
import { nonEmptyRows } from './pooling.js';
import { assertDims, assertFloat, assertNumeric, assertRank, assertTensor } from './validate.js';

export interface LayerEntropyResult {
  /** `[batch]` mean entropy (nats) over each example's real positions; 0 for an example with none. */
  perExample: tf.Tensor1D;
  /** Mean of `perExample` over the examples with at least one real position (0 if there are none). */
  mean: tf.Scalar;
}

/**
 * Entropy (nats) of the logit-lens next-token distribution `softmax(lmHead(hidden))` at every position where
 * `mask` `[batch, time]` is non-zero, averaged per example and over the batch. Used to pick the critical layers
 * (docs/design.md, "The method"): with English-centric models it drops sharply where language conversion ends.
 */
export function layerEntropy(hidden: tf.Tensor3D, lmHead: LogitLensHead, mask: tf.Tensor2D): LayerEntropyResult {
  assertTensor(hidden, 'layerEntropy: hidden');
  assertRank(hidden, 3, 'layerEntropy: hidden', '[batch, time, hidden]');
  assertFloat(hidden, 'layerEntropy: hidden');
  assertTensor(mask, 'layerEntropy: mask');
  assertDims(mask, [hidden.shape[0], hidden.shape[1]], 'layerEntropy: mask', '[batch, time] (matching hidden)');
  assertNumeric(mask, 'layerEntropy: mask');
  return tf.tidy(() => {
    const logits = applyHead(lmHead, hidden, { frozen: true }, 'layerEntropy');
    // H = -sum p·log p from log-softmax: no cancellation between two large terms (logsumexp(z) - E[z] loses
    // ~1e-4 nats in float32 on 32k-vocabulary logits).
    const logp = tf.logSoftmax(logits);
    const entropy = tf.neg(tf.sum(tf.mul(tf.exp(logp), logp), 2));
    const m = tf.cast(tf.notEqual(mask, 0), 'float32');
    const perExample = tf.div(tf.sum(tf.mul(entropy, m), 1), tf.maximum(tf.sum(m, 1), 1)) as tf.Tensor1D;
    const rows = nonEmptyRows(mask);
    const mean = tf.div(tf.sum(tf.mul(perExample, rows)), tf.maximum(tf.sum(rows), 1)) as tf.Scalar;
    return { perExample, mean };
  });
}
