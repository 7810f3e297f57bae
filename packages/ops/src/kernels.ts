import * as tf from '@tensorflow/tfjs-core';

/**
 * Whether the active backend registered every kernel of an op (its forward kernel and the kernels its gradient
 * runs). An op runs its kernels only then, so a backend that registers part of them still gets the composite.
 */
export function hasKernels(names: readonly string[], backend: string = tf.getBackend()): boolean {
  return names.every((name) => tf.getKernel(name, backend) !== undefined);
}

/** Registers `config` unless a gradient for its kernel is registered already (a second copy of this package). */
export function registerGradientOnce(config: tf.GradConfig): void {
  if (!tf.getGradient(config.kernelName)) tf.registerGradient(config);
}

/** The argument type of `tf.customGrad`, which tfjs does not export; typed functions are cast to it. */
export type CustomGradientFunc = Parameters<typeof tf.customGrad>[0];
