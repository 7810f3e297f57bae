import * as tf from '@tensorflow/tfjs-core';

let nextModel = 0;

/**
 * Makes the trainable variables of one model: tfjs variable names are global, so each model gets its own suffix
 * (`model.norm.weight#3`). A variable shares its value's storage (no copy).
 */
export function modelVariableMaker(): (name: string, value: tf.Tensor) => tf.Variable {
  const id = nextModel++;
  return (name, value) => tf.variable(value, true, `${name}#${id}`);
}

/** Wraps named tensors into trainable variables, keyed by the HF name. The input tensors are disposed. */
export function toVariables(tensors: Map<string, tf.Tensor>): Map<string, tf.Variable> {
  const make = modelVariableMaker();
  const out = new Map<string, tf.Variable>();
  for (const [name, t] of tensors) {
    out.set(name, make(name, t));
    t.dispose();
  }
  return out;
}
