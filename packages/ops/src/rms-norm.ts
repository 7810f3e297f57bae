import * as tf from '@tensorflow/tfjs-core';
import { hasKernels, registerGradientOnce } from './kernels.js';

/** inputs {x [..., dim], weight [dim]}, attrs {eps, offset} → [y, rstd [rows]] */
export const RMS_NORM = 'DftRmsNorm';
/** inputs {x, weight, rstd, dy}, attrs {offset} → [dx, dWeight] */
export const RMS_NORM_GRAD = 'DftRmsNormGrad';

export interface RmsNormAttrs {
  eps: number;
  offset: number;
}

/** Checks the operands (a Tensor or a kernel's TensorInfo) and returns [rows, dim]. */
export function rmsNormShape(x: tf.TensorInfo, weight: tf.TensorInfo, kernel: string): [number, number] {
  const dim = x.shape[x.shape.length - 1];
  if (x.dtype !== 'float32' || x.shape.length === 0 || weight.dtype !== 'float32' || weight.shape.length !== 1 || weight.shape[0] !== dim) {
    throw new Error(`${kernel}: expected float32 x [..., d] and weight [d], got ${x.dtype} [${x.shape}] and ${weight.dtype} [${weight.shape}]`);
  }
  return [tf.util.sizeFromShape(x.shape) / dim, dim];
}

registerGradientOnce({
  kernelName: RMS_NORM,
  inputsToSave: ['x', 'weight'],
  outputsToSave: [false, true],
  gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[], attrs: tf.NamedAttrMap) => {
    // rstd is an auxiliary output: only the gradient through y is propagated.
    const inputs = { x: saved[0], weight: saved[1], rstd: saved[2], dy: (dy as tf.Tensor[])[0] };
    const [dx, dw] = tf.engine().runKernel(RMS_NORM_GRAD, inputs, attrs) as tf.Tensor[];
    return { x: () => dx, weight: () => dw };
  },
});

/** The tfjs-op composition of the kernel pair (what every backend without them runs); autodiff gives its gradient. */
export function rmsNormComposite<T extends tf.Tensor>(x: T, weight: tf.Tensor1D, eps: number, offset = 0): T {
  return tf.tidy(() => {
    const scaled = tf.mul(x, tf.rsqrt(tf.add(tf.mean(tf.square(x), -1, true), eps)));
    return tf.mul(scaled, offset ? tf.add(weight, offset) : weight);
  });
}

/**
 * RMSNorm over the last axis: `x·rsqrt(mean(x²) + eps)·(weight + offset)` (offset 0 for LLaMA, 1 for Gemma's
 * `(1 + w)`), differentiable with respect to x and weight.
 */
export function rmsNorm<T extends tf.Tensor>(x: T, weight: tf.Tensor1D, eps: number, offset = 0): T {
  rmsNormShape(x, weight, RMS_NORM);
  if (!hasKernels([RMS_NORM, RMS_NORM_GRAD])) return rmsNormComposite(x, weight, eps, offset);
  const [y, rstd] = tf.engine().runKernel(RMS_NORM, { x, weight }, { eps, offset }) as tf.Tensor[];
  rstd.dispose();
  return y as T;
}
