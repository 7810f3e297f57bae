import * as tf from '@tensorflow/tfjs-core';
import type { ModelConfig } from './config.js';
import { parameterSpecs } from './config.js';
import { isLinearWeight } from './model.js';
import { toVariables } from './variables.js';

/**
 * HF-style initialisation for training from scratch: linear and embedding weights ~ N(0, initializer_range),
 * norm gains 1 (Gemma stores the gain as w in `1 + w`, so 0). Seeded per parameter, identical on every backend.
 */
export function initialParameters(config: ModelConfig, seed: number): Map<string, tf.Variable> {
  const std = typeof config.raw.initializer_range === 'number' ? config.raw.initializer_range : 0.02;
  const values = new Map<string, tf.Tensor>();
  parameterSpecs(config).forEach((spec, i) => {
    const shape = isLinearWeight(spec.name) ? [spec.shape[1], spec.shape[0]] : spec.shape;
    const value = tf.tidy(() =>
      spec.shape.length === 1
        ? tf.fill(shape, config.modelType === 'gemma2' ? 0 : 1)
        : // +1: tfjs treats a seed of 0 as "unseeded".
          tf.randomNormal(shape, 0, std, 'float32', seed * 1_000_003 + i + 1),
    );
    values.set(spec.name, value);
  });
  return toVariables(values);
}
