import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { chunkedHeadNll, chunkedHeadNllComposite, HEAD_NLL, HEAD_NLL_GRAD, type HeadNllAttrs, type HeadProjection } from '@dft/ops';
import { loadAddon, type NativeAddon } from '../addon.js';
import { NATIVE_MISSING, randn, relDiff, setUpBackends } from '../test-utils/backends.js';

// 30 rows split over two threads at 3001 words (rows per task = 2^15 / vocab); 3001 is no multiple of the 16 lanes.
const [ROWS, HIDDEN, VOCAB] = [30, 16, 3001];

type Head = Omit<HeadProjection, 'weight'>;

/**
 * On native: NLL and the gradients of Σ nll·r for x and the weight (r seeded, one row 0 = an ignored token), as
 * plain arrays, the weight built in the head's layout. Asserts that no tensor is left behind.
 */
function run(f: typeof chunkedHeadNll, head: Head, chunkRows: number): Float32Array[] {
  const before = tf.memory().numTensors;
  const out = tf.tidy(() => {
    const x = tf.tensor2d(randn(ROWS * HIDDEN, 1), [ROWS, HIDDEN]);
    const shape: [number, number] = head.transposed ? [VOCAB, HIDDEN] : [HIDDEN, VOCAB];
    const weight = tf.tensor2d(randn(HIDDEN * VOCAB, 2), shape);
    const targets = tf.tensor1d(Array.from({ length: ROWS }, (_, i) => (i * 977 + 5) % VOCAB), 'int32');
    const r = tf.tensor1d(Array.from({ length: ROWS }, (_, i) => (i === 3 ? 0 : 0.5 + i / ROWS)));
    const loss = (a: tf.Tensor, w: tf.Tensor) => tf.sum(tf.mul(f(a as tf.Tensor2D, targets, { ...head, weight: w as tf.Tensor2D }, chunkRows), r));
    return [f(x, targets, { ...head, weight }, chunkRows), ...tf.grads(loss)([x, weight])];
  });
  const arrays = out.map((t) => Float32Array.from(t.dataSync()));
  tf.dispose(out);
  expect(tf.memory().numTensors, 'tensors leaked').toBe(before);
  return arrays;
}

describe.skipIf(NATIVE_MISSING !== null)('DftHeadNll / DftHeadNllGrad on native', () => {
  beforeAll(async () => {
    await setUpBackends();
    await tf.setBackend('native');
  });

  describe.each([
    ['[hidden, vocab]', { transposed: false, softcap: null }],
    ['[hidden, vocab], soft-cap 3', { transposed: false, softcap: 3 }],
    ['[vocab, hidden] (tied)', { transposed: true, softcap: null }],
    ['[vocab, hidden] (tied), soft-cap 3', { transposed: true, softcap: 3 }],
  ] as const)('weight %s', (_, head) => {
    it.each([
      [6, 'divides the rows'],
      [7, 'leaves a shorter last chunk'],
      [64, 'exceeds the rows (one chunk)'],
    ])('chunks of %i rows (%s): NLL, dx and dWeight equal the composite’s within 1e-5', (chunkRows) => {
      const kernel = run(chunkedHeadNll, head, chunkRows);
      const composite = run(chunkedHeadNllComposite, head, chunkRows);
      expect(kernel.map((a) => a.length)).toEqual([ROWS, ROWS * HIDDEN, HIDDEN * VOCAB]);
      kernel.forEach((got, i) => expect(relDiff(got, composite[i]!), `output ${i}`).toBeLessThanOrEqual(1e-5));
      // The ignored row's x gradient is exactly zero; the soft-cap keeps every NLL below log V + 2·cap.
      expect(kernel[1]!.subarray(3 * HIDDEN, 4 * HIDDEN).every((v) => v === 0)).toBe(true);
      if (head.softcap) expect(Math.max(...kernel[0]!)).toBeLessThan(Math.log(VOCAB) + 2 * head.softcap);
    });
  });

  it('runs the kernel pair (no per-chunk tfjs kernels) and frees the weight gradient when only x asks for one', async () => {
    const x = tf.tensor2d(randn(ROWS * HIDDEN, 3), [ROWS, HIDDEN]);
    const weight = tf.tensor2d(randn(HIDDEN * VOCAB, 4), [HIDDEN, VOCAB]);
    const targets = tf.tensor1d(Array.from({ length: ROWS }, (_, i) => i), 'int32');
    const before = tf.memory().numTensors;
    const info = await tf.profile(() => {
      const dx = tf.grad((a: tf.Tensor) => tf.sum(chunkedHeadNll(a as tf.Tensor2D, targets, { weight }, 8)))(x);
      expect(dx.shape).toEqual([ROWS, HIDDEN]);
      dx.dispose();
    });
    expect(tf.memory().numTensors).toBe(before);
    const names = info.kernels.map((k) => k.name);
    expect(names.filter((n) => n === HEAD_NLL || n === HEAD_NLL_GRAD)).toEqual([HEAD_NLL, HEAD_NLL_GRAD]);
    expect(names).not.toContain('BatchMatMul');
    tf.dispose([x, weight, targets]);
  });

  it('rejects bad operands, naming the kernel and the argument', () => {
    const before = tf.memory().numTensors;
    const attrs = { transposed: false, softcap: null, chunkRows: 2 } satisfies HeadNllAttrs as unknown as tf.NamedAttrMap;
    // x [3, 4] · weight [4, 10]; `change` swaps one input of the gradient kernel (built inside the tidy).
    const grad = (change: () => Record<string, tf.Tensor>) => () =>
      tf.tidy(() => {
        const inputs = { x: tf.zeros([3, 4]), weight: tf.zeros([4, 10]), targets: tf.tensor1d([1, 9, 0], 'int32'), dy: tf.ones([3]), ...change() };
        tf.engine().runKernel(HEAD_NLL_GRAD, inputs, attrs);
      });
    expect(grad(() => ({ targets: tf.tensor1d([-1, 0, 0], 'int32') }))).toThrow('headNllGrad: target -1 of row 0 is not in [0, 10)');
    expect(grad(() => ({ dy: tf.ones([2]) }))).toThrow('DftHeadNllGrad: dy must be float32 [3], got float32 [2]');
    expect(grad(() => ({ weight: tf.zeros([10, 4]) }))).toThrow(
      'DftHeadNllGrad: expected float32 x [rows, 10] and weight [hidden, vocab], got float32 x [3,4] and float32 weight [10,4]',
    );
    const forward = (targets: number[], softcap: number | null) => () =>
      tf.tidy(() => chunkedHeadNll(tf.zeros([3, 4]), tf.tensor1d(targets, 'int32'), { weight: tf.zeros([4, 10]) as tf.Tensor2D, softcap }, 2));
    expect(forward([1, 10, 0], null)).toThrow('headNll: target 10 of row 1 is not in [0, 10)');
    expect(forward([1, 2, 0], -1)).toThrow('headNll: softcap must be a finite number ≥ 0 (0 = none)');
    expect(tf.memory().numTensors).toBe(before);
    // The addon checks sizes against the arrays it gets, whatever the caller.
    const addon = loadAddon().addon as NativeAddon;
    const f = (n: number) => new Float32Array(n);
    const ids = new Int32Array(3);
    expect(() => addon.headNll(f(11), f(40), ids, f(3), 3, 4, 10, false, 0, 2)).toThrow('headNll: x must hold rows·hidden values');
    expect(() => addon.headNll(f(12), f(40), ids, f(3), 3, 4, 10, false, 0, 0)).toThrow('headNll: chunkRows must be positive');
    expect(() => addon.headNllGrad(f(12), f(40), ids, f(3), f(12), f(39), 3, 4, 10, true, 0, 2)).toThrow('headNllGrad: dWeight must hold hidden·vocab values');
  });
});
