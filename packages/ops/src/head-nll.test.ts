import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { chunkedHeadNll, chunkedHeadNllComposite, HEAD_NLL, HEAD_NLL_GRAD, type HeadProjection } from './head-nll.js';
import { hasKernels } from './kernels.js';
import { BACKENDS, kernelsOf, randn, relDiff, useBackend } from './test-utils/backends.js';

const [ROWS, HIDDEN, VOCAB] = [7, 5, 13];

/** Per-row NLL of softcap(x·W) and the gradients of Σ nll·r for x and W, in float64 (W as [hidden, vocab]). */
function reference(x: Float32Array, w: Float32Array, targets: number[], r: number[], softcap: number | null): Float64Array[] {
  const nll = new Float64Array(ROWS);
  const dx = new Float64Array(ROWS * HIDDEN);
  const dw = new Float64Array(HIDDEN * VOCAB);
  for (let i = 0; i < ROWS; i++) {
    const u = Array.from({ length: VOCAB }, (_, v) => Array.from({ length: HIDDEN }, (_, k) => x[i * HIDDEN + k]! * w[k * VOCAB + v]!).reduce((a, b) => a + b, 0));
    const z = softcap ? u.map((a) => softcap * Math.tanh(a / softcap)) : u;
    const max = Math.max(...z);
    const sum = z.reduce((s, a) => s + Math.exp(a - max), 0);
    nll[i] = max + Math.log(sum) - z[targets[i]!]!;
    z.forEach((a, v) => {
      let g = r[i]! * (Math.exp(a - max) / sum - (v === targets[i] ? 1 : 0));
      if (softcap) g *= 1 - (a / softcap) ** 2;
      for (let k = 0; k < HIDDEN; k++) {
        dx[i * HIDDEN + k] += g * w[k * VOCAB + v]!;
        dw[k * VOCAB + v] += g * x[i * HIDDEN + k]!;
      }
    });
  }
  return [nll, dx, dw];
}

/** The op's values and the gradients of Σ nll·r for x and the weight (returned as [hidden, vocab]); nothing leaks. */
function run(f: typeof chunkedHeadNll, x: Float32Array, w: Float32Array, targets: number[], r: number[], head: Omit<HeadProjection, 'weight'>, chunk: number): Float32Array[] {
  const before = tf.memory().numTensors;
  const out = tf.tidy(() => {
    const xs = tf.tensor2d(x, [ROWS, HIDDEN]);
    const wMat = tf.tensor2d(w, [HIDDEN, VOCAB]);
    const weight = head.transposed ? tf.transpose(wMat) : wMat;
    const t = tf.tensor1d(targets, 'int32');
    const rs = tf.tensor1d(r);
    const loss = (a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(f(a as tf.Tensor2D, t, { ...head, weight: b as tf.Tensor2D }, chunk), rs));
    const [dx, dw] = tf.grads(loss)([xs, weight]);
    return [f(xs, t, { ...head, weight }, chunk), dx!, head.transposed ? tf.transpose(dw!) : dw!];
  });
  const arrays = out.map((t) => Float32Array.from(t.dataSync()));
  tf.dispose(out);
  expect(tf.memory().numTensors, 'tensors leaked').toBe(before);
  return arrays;
}

describe.each(BACKENDS)('chunkedHeadNll on %s', (backend) => {
  it.each([
    ['[hidden, vocab], no soft-cap', { transposed: false, softcap: null }],
    ['[vocab, hidden] (tied), soft-cap 2', { transposed: true, softcap: 2 }],
  ] as const)('%s: NLL and gradients match float64 for chunks of 1, 3 and all rows; the composite equals the op', async (_, head) => {
    await useBackend(backend);
    const x = randn(ROWS * HIDDEN, 1);
    const w = randn(HIDDEN * VOCAB, 2);
    const targets = Array.from({ length: ROWS }, (_, i) => (i * 5 + 3) % VOCAB);
    const r = Array.from({ length: ROWS }, (_, i) => (i === 4 ? 0 : 1 + i / 7));
    const want = reference(x, w, targets, r, head.softcap);
    for (const chunk of [1, 3, ROWS]) {
      const op = run(chunkedHeadNll, x, w, targets, r, head, chunk);
      const composite = run(chunkedHeadNllComposite, x, w, targets, r, head, chunk);
      op.forEach((got, i) => {
        expect(relDiff(got, want[i]!), `chunk ${chunk}, output ${i}`).toBeLessThanOrEqual(1e-4);
        expect(relDiff(got, composite[i]!)).toBeLessThanOrEqual(1e-5);
      });
    }
  });

  it('a frozen head gives the weight no gradient and x the same one', async () => {
    await useBackend(backend);
    const x = tf.tensor2d(randn(ROWS * HIDDEN, 3), [ROWS, HIDDEN]);
    const weight = tf.variable(tf.tensor2d(randn(HIDDEN * VOCAB, 4), [HIDDEN, VOCAB]), true, `head-nll-frozen-${backend}`);
    const t = tf.tensor1d(Array.from({ length: ROWS }, (_, i) => i), 'int32');
    const loss = (frozen: boolean) => () => tf.sum(chunkedHeadNll(x, t, { weight, frozen }, 2)) as tf.Scalar;
    expect(() => tf.variableGrads(loss(true), [weight])).toThrow(/Cannot find a connection between any variable and the result of the loss/);
    const trained = tf.variableGrads(loss(false), [weight]);
    expect(trained.grads[weight.name]!.shape).toEqual([HIDDEN, VOCAB]);
    const dx = (frozen: boolean) => tf.tidy(() => tf.grad((a: tf.Tensor) => tf.sum(chunkedHeadNll(a as tf.Tensor2D, t, { weight, frozen }, 2)))(x).dataSync());
    expect(relDiff(dx(true), dx(false))).toBeLessThanOrEqual(1e-6);
    tf.dispose([x, weight, t, trained.value, ...Object.values(trained.grads)]);
  });

  it('runs its kernels exactly when the backend registers both (native does)', async () => {
    await useBackend(backend);
    const fused = hasKernels([HEAD_NLL, HEAD_NLL_GRAD]);
    const x = tf.randomNormal([4, HIDDEN], 0, 1, 'float32', 3);
    const weight = tf.randomNormal([HIDDEN, VOCAB], 0, 1, 'float32', 4) as tf.Tensor2D;
    const t = tf.tensor1d([0, 8, 2, 5], 'int32');
    const ran = await kernelsOf(() => tf.grad((a: tf.Tensor) => tf.sum(chunkedHeadNll(a as tf.Tensor2D, t, { weight }, 2)))(x));
    tf.dispose([x, weight, t]);
    expect(ran.includes(HEAD_NLL_GRAD)).toBe(fused);
    expect(fused).toBe(backend === 'native');
  });

  it('rejects bad operands, naming the kernel', async () => {
    await useBackend(backend);
    const x = tf.zeros([3, 4]) as tf.Tensor2D;
    const w = tf.zeros([5, 10]) as tf.Tensor2D;
    const t = tf.zeros([3], 'int32') as tf.Tensor1D;
    expect(() => chunkedHeadNll(x, t, { weight: w }, 2)).toThrow('DftHeadNll: expected float32 x [rows, 5] and weight [hidden, vocab], got float32 x [3,4] and float32 weight [5,10]');
    const tied = tf.zeros([10, 4]) as tf.Tensor2D;
    expect(() => chunkedHeadNll(x, tf.zeros([2], 'int32') as tf.Tensor1D, { weight: tied, transposed: true }, 2)).toThrow('DftHeadNll: targets must be int32 [3], got int32 [2]');
    expect(() => chunkedHeadNll(x, t, { weight: tied, transposed: true }, 0)).toThrow('DftHeadNll: chunkRows must be a positive integer, got 0');
    tf.dispose([x, w, t, tied]);
  });
});
