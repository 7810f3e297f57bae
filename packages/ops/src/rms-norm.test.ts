import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { hasKernels } from './kernels.js';
import { RMS_NORM, RMS_NORM_GRAD, rmsNorm, rmsNormComposite } from './rms-norm.js';
import { BACKENDS, kernelsOf, randn, relDiff, useBackend, valueAndGrads } from './test-utils/backends.js';

const EPS = 1e-5;

/** y and the gradients of Σ y·r for x and the weight, in float64: y = x·s·g with s = (mean(x²) + eps)^-½, g = w + offset. */
function reference(x: Float32Array, w: Float32Array, r: Float32Array, offset: number): Float64Array[] {
  const d = w.length;
  const y = new Float64Array(x.length);
  const dx = new Float64Array(x.length);
  const dw = new Float64Array(d);
  for (let row = 0; row < x.length / d; row++) {
    const at = row * d;
    let ss = 0;
    for (let j = 0; j < d; j++) ss += x[at + j] ** 2;
    const s = 1 / Math.sqrt(ss / d + EPS);
    let dot = 0; // Σ r·g·x
    for (let j = 0; j < d; j++) dot += r[at + j] * (w[j] + offset) * x[at + j];
    for (let j = 0; j < d; j++) {
      y[at + j] = x[at + j] * s * (w[j] + offset);
      dx[at + j] = r[at + j] * (w[j] + offset) * s - (x[at + j] * s ** 3 * dot) / d;
      dw[j] += r[at + j] * x[at + j] * s;
    }
  }
  return [y, dx, dw];
}

describe.each(BACKENDS)('rmsNorm on %s', (backend) => {
  it.each([
    [[2, 3, 8], 0],
    [[5, 16], 1],
  ])('x %j, offset %i: value and gradients match float64, the kernels (where registered) match the composite', async (shape, offset) => {
    await useBackend(backend);
    const d = shape[shape.length - 1];
    const inputs = [
      { shape, values: randn(tf.util.sizeFromShape(shape), 1) },
      { shape: [d], values: randn(d, 2) },
    ];
    const op = valueAndGrads((x, w) => rmsNorm(x, w as tf.Tensor1D, EPS, offset), inputs);
    const composite = valueAndGrads((x, w) => rmsNormComposite(x, w as tf.Tensor1D, EPS, offset), inputs);
    const want = reference(inputs[0].values, inputs[1].values, randn(inputs[0].values.length, 99), offset);
    op.forEach((got, i) => {
      expect(relDiff(got, want[i])).toBeLessThanOrEqual(1e-4);
      expect(relDiff(got, composite[i])).toBeLessThanOrEqual(1e-5);
    });
  });

  it('runs its kernels exactly when the backend registers both', async () => {
    await useBackend(backend);
    const fused = hasKernels([RMS_NORM, RMS_NORM_GRAD]);
    const ran = await kernelsOf(() => rmsNorm(tf.ones([2, 4]), tf.ones([4]) as tf.Tensor1D, EPS));
    expect(ran.includes(RMS_NORM)).toBe(fused);
    expect(fused).toBe(backend === 'native');
  });

  it('rejects a weight of the wrong length, naming the kernel', async () => {
    await useBackend(backend);
    expect(() => tf.tidy(() => rmsNorm(tf.zeros([2, 4]), tf.zeros([3]) as tf.Tensor1D, EPS))).toThrow(
      'DftRmsNorm: expected float32 x [..., d] and weight [d], got float32 [2,4] and float32 [3]',
    );
  });
});
