import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { hasKernels } from './kernels.js';
import { TOKEN_NLL, TOKEN_NLL_GRAD, tokenNll, tokenNllComposite } from './token-nll.js';
import { BACKENDS, kernelsOf, randn, relDiff, useBackend } from './test-utils/backends.js';

/** Per-row NLL and the gradient of Σ nll·w (softmax − onehot, scaled by the row weight), in float64. */
function reference(z: Float32Array, targets: number[], w: number[]): Float64Array[] {
  const vocab = z.length / targets.length;
  const nll = new Float64Array(targets.length);
  const dz = new Float64Array(z.length);
  targets.forEach((t, r) => {
    const row = z.subarray(r * vocab, (r + 1) * vocab);
    const max = Math.max(...row);
    const sum = row.reduce((s, v) => s + Math.exp(v - max), 0);
    nll[r] = max + Math.log(sum) - row[t];
    row.forEach((v, j) => (dz[r * vocab + j] = w[r] * (Math.exp(v - max) / sum - (j === t ? 1 : 0))));
  });
  return [nll, dz];
}

/** tokenNll's values and the gradient of Σ nll·w for the logits, with row weights (0 = an ignored row). */
function run(f: typeof tokenNll, z: Float32Array, targets: number[], w: number[]): Float32Array[] {
  const before = tf.memory().numTensors;
  const out = tf.tidy(() => {
    const logits = tf.tensor2d(z, [targets.length, z.length / targets.length]);
    const t = tf.tensor1d(targets, 'int32');
    const weights = tf.tensor1d(w);
    return [f(logits, t), tf.grad((x: tf.Tensor) => tf.sum(tf.mul(f(x as tf.Tensor2D, t), weights)))(logits)];
  });
  const arrays = out.map((t) => Float32Array.from(t.dataSync()));
  tf.dispose(out);
  expect(tf.memory().numTensors, 'tensors leaked').toBe(before);
  return arrays;
}

describe.each(BACKENDS)('tokenNll on %s', (backend) => {
  it.each([
    [6, 11],
    [3, 3000],
  ])('rows %i × vocab %i: NLL and weighted gradient match float64, the kernels (where registered) the composite', async (rows, vocab) => {
    await useBackend(backend);
    const z = randn(rows * vocab, rows + vocab).map((v) => v * 3);
    const targets = Array.from({ length: rows }, (_, r) => (r * 7919) % vocab);
    const w = Array.from({ length: rows }, (_, r) => (r % 3 === 2 ? 0 : 1 + r / 10));
    const op = run(tokenNll, z, targets, w);
    const composite = run(tokenNllComposite, z, targets, w);
    const want = reference(z, targets, w);
    op.forEach((got, i) => {
      expect(relDiff(got, want[i])).toBeLessThanOrEqual(1e-4);
      expect(relDiff(got, composite[i])).toBeLessThanOrEqual(1e-5);
    });
    // A weight-0 row gets an exactly zero gradient.
    expect(op[1].subarray(2 * vocab, 3 * vocab).every((g) => g === 0)).toBe(true);
  });

  it('runs its kernels exactly when the backend registers both, and no UnsortedSegmentSum either way', async () => {
    await useBackend(backend);
    const fused = hasKernels([TOKEN_NLL, TOKEN_NLL_GRAD]);
    const z = tf.randomNormal([4, 9], 0, 1, 'float32', 3);
    const t = tf.tensor1d([0, 8, 2, 5], 'int32');
    const ran = await kernelsOf(() => tf.grad((x: tf.Tensor) => tf.sum(tokenNll(x as tf.Tensor2D, t)))(z));
    tf.dispose([z, t]);
    expect(ran.includes(TOKEN_NLL_GRAD)).toBe(fused);
    expect(fused).toBe(backend === 'native');
    expect(ran).not.toContain('UnsortedSegmentSum');
  });

  it('rejects targets of the wrong dtype or length, naming the kernel', async () => {
    await useBackend(backend);
    const z = tf.zeros([2, 5]) as tf.Tensor2D;
    expect(() => tf.tidy(() => tokenNll(z, tf.tensor1d([1, 2]) as tf.Tensor1D))).toThrow('DftTokenNll: targets must be int32 [2], got float32 [2]');
    expect(() => tf.tidy(() => tokenNll(z, tf.tensor1d([1], 'int32')))).toThrow('DftTokenNll: targets must be int32 [2], got int32 [1]');
    z.dispose();
  });
});
