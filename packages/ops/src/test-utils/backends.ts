import { availableBackends, selectBackend, type BackendName } from '@dft/core';
import * as tf from '@tensorflow/tfjs-core';
import { expect } from 'vitest';

/**
 * Every backend that starts here: cpu and wasm always, native when its addon is built (its kernels run), tensorflow
 * when tfjs-node is there. Tests name their backend, so `vitest -t tensorflow` runs the tensorflow ones alone.
 */
export const BACKENDS: BackendName[] = (['cpu', 'wasm', 'native', 'tensorflow'] as const).filter((b) => availableBackends().includes(b));

export async function useBackend(name: BackendName): Promise<void> {
  await selectBackend({ prefer: name, log: null });
}

/** Seeded values in about [-3.4, 3.4] (sum of uniforms), the same on every backend. */
export function randn(n: number, seed: number): Float32Array {
  let s = seed >>> 0 || 1;
  const next = () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296;
  return Float32Array.from({ length: n }, () => (next() + next() + next() + next() - 2) * 1.7);
}

/**
 * `f(...inputs)` and the gradients of Σ f(inputs)·r (r seeded, of f's shape) with respect to every input, as plain
 * arrays. Inputs are built inside from plain arrays, so the active backend owns them; nothing leaks.
 */
export function valueAndGrads(f: (...x: tf.Tensor[]) => tf.Tensor, inputs: { shape: number[]; values: Float32Array }[]): Float32Array[] {
  const before = tf.memory().numTensors;
  const out = tf.tidy(() => {
    const xs = inputs.map((i) => tf.tensor(i.values, i.shape));
    const y = f(...xs);
    const r = tf.tensor(randn(y.size, 99), y.shape);
    const grads = tf.grads((...a: tf.Tensor[]) => tf.sum(tf.mul(f(...a), r)))(xs);
    return [y, ...grads];
  });
  const arrays = out.map((t) => Float32Array.from(t.dataSync()));
  tf.dispose(out);
  expect(tf.memory().numTensors, 'tensors leaked').toBe(before);
  return arrays;
}

/** Largest |a − b| / max(1, |b|). */
export function relDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]) / Math.max(1, Math.abs(b[i])));
  return Number.isNaN(worst) ? Infinity : worst;
}

/** Names of the kernels `run` executes (tf.profile); what it returns is disposed. */
export async function kernelsOf(run: () => tf.TensorContainer | void): Promise<string[]> {
  const outs: (tf.TensorContainer | void)[] = [];
  const info = await tf.profile(() => void outs.push(run()));
  tf.dispose(outs as tf.TensorContainer);
  return info.kernels.map((k) => k.name);
}
