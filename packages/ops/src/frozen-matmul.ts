import * as tf from '@tensorflow/tfjs-core';
import type { CustomGradientFunc } from './kernels.js';

/**
 * `x · w` (`x · wᵀ` with `transposeB`) where `w` is a constant of the backward pass: the gradient reaches `x` only.
 * `w` is read by the op without being one of its inputs, so the tape never differentiates it: no stopped copy of `w`,
 * no weight-sized zero gradient, and with `transposeB` (a tied `[vocab, hidden]` embedding used as the LM head) no
 * transposed copy either. The frozen logit-lens heads project with it.
 */
export function frozenMatMul(x: tf.Tensor2D, w: tf.Tensor2D, transposeB = false): tf.Tensor2D {
  const op = tf.customGrad(((a: tf.Tensor2D) => ({
    value: tf.matMul(a, w, false, transposeB),
    gradFunc: (dy: tf.Tensor2D) => tf.matMul(dy, w, false, !transposeB),
  })) as unknown as CustomGradientFunc);
  return op(x) as tf.Tensor2D;
}

/** Whether `t` is a variable marked not trainable (a frozen parameter): a constant of the backward pass. */
export function isFrozenVariable(t: tf.Tensor): boolean {
  return t instanceof tf.Variable && !t.trainable;
}
