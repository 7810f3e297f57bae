import * as tf from '@tensorflow/tfjs-core';
import type { CustomGradientFunc } from './kernels.js';

// tfjs has no stop-gradient op: an identity whose gradient is zero does the same job. Zeros are built from `dy`
// (same shape as the input) so the backward pass holds no reference to the forward tensors. No backend kernel:
// the forward pass is a clone (shared storage), which no kernel could make cheaper.
const identityWithZeroGrad = tf.customGrad(((x: tf.Tensor) => ({
  value: x.clone(),
  gradFunc: (dy: tf.Tensor) => tf.zerosLike(dy),
})) as unknown as CustomGradientFunc);

/** Identity in the forward pass; passes no gradient back to `x`. */
export function stopGradient<T extends tf.Tensor>(x: T): T {
  if (x.dtype !== 'float32') {
    // Integer tensors carry no gradient anyway, and tfjs refuses non-float32 gradients.
    return x.clone();
  }
  return identityWithZeroGrad(x) as T;
}
