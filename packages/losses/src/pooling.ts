import * as tf from '@tensorflow/tfjs-core';
import { oneHotFloat } from '@dft/ops/internal';
import { assertDims, assertFloat, assertNumeric, assertRank, assertTensor, oneOf } from './validate.js';

export type Pool = 'mean' | 'last';
export const POOLS: readonly Pool[] = ['mean', 'last'];

/**
 * Pools `[batch, time, dim]` states over the positions where `mask` `[batch, time]` is non-zero:
 * `'mean'` averages them, `'last'` takes the highest such position (the last real token under right padding,
 * and still correct under left padding). A row with an empty mask pools to the zero vector.
 * Pooling is a weighted sum (`weights @ states`), so gradients never go through `gather`.
 */
export function poolStates(states: tf.Tensor3D, mask: tf.Tensor2D, pool: Pool = 'mean', name = 'poolStates'): tf.Tensor2D {
  const p = oneOf(pool, POOLS, `${name}: pool`, 'mean');
  assertTensor(states, `${name}: states`);
  assertRank(states, 3, `${name}: states`, '[batch, time, dim]');
  assertFloat(states, `${name}: states`);
  assertTensor(mask, `${name}: mask`);
  assertDims(mask, [states.shape[0], states.shape[1]], `${name}: mask`, '[batch, time] (matching the states)');
  assertNumeric(mask, `${name}: mask`);
  return tf.tidy(() => {
    const weights = poolWeights(tf.cast(tf.notEqual(mask, 0), 'float32') as tf.Tensor2D, p);
    return tf.squeeze(tf.matMul(tf.expandDims(weights, 1), states), [1]) as tf.Tensor2D;
  });
}

/** `[batch, time]` pooling weights from a 0/1 float mask. */
function poolWeights(mask: tf.Tensor2D, pool: Pool): tf.Tensor2D {
  const time = mask.shape[1];
  if (pool === 'mean') {
    return tf.div(mask, tf.maximum(tf.sum(mask, 1, true), 1));
  }
  // Position + 1 where the mask is set, 0 elsewhere; its row max - 1 is the last masked position (-1 = none,
  // which oneHot turns into an all-zero row).
  const positions = tf.add(tf.range(0, time, 1, 'float32'), 1);
  const last = tf.sub(tf.max(tf.mul(mask, positions), 1), 1);
  return oneHotFloat(tf.cast(last, 'int32') as tf.Tensor1D, time) as tf.Tensor2D;
}

/** 1 for rows whose mask has at least one non-zero entry, else 0 (float32 `[batch]`). */
export function nonEmptyRows(mask: tf.Tensor2D): tf.Tensor1D {
  return tf.cast(tf.any(tf.notEqual(mask, 0), 1), 'float32') as tf.Tensor1D;
}
