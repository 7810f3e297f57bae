import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { GATED_ACTIVATION, GATED_ACTIVATION_GRAD, gatedActivation, gatedActivationComposite, type GatedActivation } from './gated-activation.js';
import { hasKernels } from './kernels.js';
import { BACKENDS, kernelsOf, randn, relDiff, useBackend, valueAndGrads } from './test-utils/backends.js';

/** act(x) and act'(x) in float64: SiLU x·σ(x), or GELU's tanh approximation 0.5·x·(1 + tanh(k·(x + 0.044715·x³))). */
function activation(kind: GatedActivation, x: number): [number, number] {
  if (kind === 'silu') {
    const s = 1 / (1 + Math.exp(-x));
    return [x * s, s * (1 + x * (1 - s))];
  }
  const k = Math.sqrt(2 / Math.PI);
  const t = Math.tanh(k * (x + 0.044715 * x ** 3));
  return [0.5 * x * (1 + t), 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * k * (1 + 3 * 0.044715 * x * x)];
}

/** act(gate)·up and the gradients of Σ (act(gate)·up)·r for gate and up, in float64. */
function reference(kind: GatedActivation, gate: Float32Array, up: Float32Array, r: Float32Array): Float64Array[] {
  const out = [0, 1, 2].map(() => new Float64Array(gate.length));
  gate.forEach((g, i) => {
    const [a, da] = activation(kind, g);
    out[0][i] = a * up[i];
    out[1][i] = r[i] * up[i] * da;
    out[2][i] = r[i] * a;
  });
  return out;
}

describe.each(BACKENDS)('gatedActivation on %s', (backend) => {
  it.each(['silu', 'gelu_tanh'] as const)('%s(gate)·up: value and gradients match float64, the kernels (where registered) the composite', async (kind) => {
    await useBackend(backend);
    const shape = [3, 5, 7];
    const inputs = [1, 2].map((seed) => ({ shape, values: randn(105, seed) }));
    const op = valueAndGrads((g, u) => gatedActivation(g, u, kind), inputs);
    const composite = valueAndGrads((g, u) => gatedActivationComposite(g, u, kind), inputs);
    const want = reference(kind, inputs[0].values, inputs[1].values, randn(105, 99));
    op.forEach((got, i) => {
      expect(relDiff(got, want[i])).toBeLessThanOrEqual(1e-4);
      expect(relDiff(got, composite[i])).toBeLessThanOrEqual(1e-5);
    });
  });

  it('runs its kernels exactly when the backend registers both', async () => {
    await useBackend(backend);
    const fused = hasKernels([GATED_ACTIVATION, GATED_ACTIVATION_GRAD]);
    const ran = await kernelsOf(() => gatedActivation(tf.ones([4]), tf.ones([4]), 'silu'));
    expect(ran.includes(GATED_ACTIVATION)).toBe(fused);
    expect(fused).toBe(backend === 'native');
  });

  it('rejects unknown activations and mismatched shapes, naming the kernel', async () => {
    await useBackend(backend);
    expect(() => tf.tidy(() => gatedActivation(tf.zeros([2]), tf.zeros([2]), 'relu' as 'silu'))).toThrow(
      'DftGatedAct: activation must be "silu" or "gelu_tanh", got "relu"',
    );
    expect(() => tf.tidy(() => gatedActivation(tf.zeros([2]), tf.zeros([3]), 'silu'))).toThrow('DftGatedAct: up must be float32 [2] like gate, got float32 [3]');
  });
});
