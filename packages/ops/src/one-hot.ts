import * as tf from '@tensorflow/tfjs-core';

/**
 * float32 one-hot rows. Built as int32 and cast: tfjs-backend-wasm 4.22's OneHot writes integer bit patterns into
 * float32 outputs (1 becomes 1.4e-45), which silently zeroes the target term of a CE gradient.
 */
export function oneHotFloat(indices: tf.Tensor1D, depth: number): tf.Tensor2D {
  return tf.cast(tf.oneHot(indices, depth), 'float32') as tf.Tensor2D;
}
