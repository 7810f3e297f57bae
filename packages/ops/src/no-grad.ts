import * as tf from '@tensorflow/tfjs-core';
import type { CustomGradientFunc } from './kernels.js';

/**
 * Runs `fn` without recording it on the gradient tape (tfjs has no public no-grad scope; ops executed inside the
 * forward function of a `customGrad` are not recorded) and returns its tensors cut off from the graph: no gradient
 * flows through them, and the backward pass skips every op of `fn` instead of pushing zeros through them.
 * Use it for a teacher pass whose output is a fixed target: it saves that pass's activations and its backward.
 * The returned tensors belong to the caller's current `tf.tidy` scope.
 */
export function noGrad<T extends tf.Tensor | tf.Tensor[]>(fn: () => T): T {
  let inner: tf.Tensor[] = [];
  let isList = false;
  const run = tf.customGrad((() => {
    const out = fn();
    isList = Array.isArray(out);
    // Fresh clones (never the caller's own tensors) are kept past the kernel's internal tidy, then re-homed below.
    inner = asList(out).map((t) => tf.keep(t.clone()));
    return { value: tf.scalar(0), gradFunc: () => [] };
  }) as unknown as CustomGradientFunc);
  run().dispose();
  // A clone shares the data buffer and is tracked by the current scope; its input is off the tape's x->y path.
  const homed = inner.map((t) => t.clone());
  inner.forEach((t) => t.dispose());
  return (isList ? homed : homed[0]) as T;
}

function asList(x: tf.Tensor | tf.Tensor[]): tf.Tensor[] {
  return Array.isArray(x) ? x : [x];
}
