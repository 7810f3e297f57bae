import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { causalLmLoss } from './causal-lm-loss.js';
import { logitLensLoss } from './logit-lens-loss.js';
import type { LogitLensHead } from './model.js';
import { stopGradient } from '@dft/ops';
import { maxGradientError } from './test-utils/grad-check.js';
import { scalar, useCpuBackend, values } from './test-utils/setup.js';

beforeAll(useCpuBackend);

/** A "final norm" gain g and a head W honouring `frozen` the way a model must (stop-gradient on the weights). */
function headOf(g: tf.Tensor, w: tf.Tensor): LogitLensHead {
  return (h, opts) => {
    const gg = opts?.frozen ? stopGradient(g) : g;
    const ww = opts?.frozen ? stopGradient(w) : w;
    const [b, t, d] = h.shape;
    return tf.reshape(tf.matMul(tf.reshape(tf.mul(h, gg), [b * t, d]), ww as tf.Tensor2D), [b, t, -1]) as tf.Tensor3D;
  };
}

describe('logitLensLoss', () => {
  const labels = () => tf.tensor2d([[-100, 2, 0]], undefined, 'int32');

  it('equals the CE of the projected states (hand-computed)', () => {
    // With g = 1 and W = I (dim = vocab = 3), the lens logits are the states themselves.
    const h = tf.tensor3d([[[0, 0, Math.log(2)], [Math.log(3), 0, 0], [0, 0, 0]]]);
    const lens = headOf(tf.ones([3]), tf.eye(3));
    // t=0 -> token 2: softmax [1,1,2]/4 -> ln 2; t=1 -> token 0: [3,1,1]/5 -> ln(5/3).
    const expected = (Math.log(2) + Math.log(5 / 3)) / 2;
    expect(scalar(logitLensLoss(h, lens, labels()))).toBeCloseTo(expected, 6);
    expect(scalar(logitLensLoss(h, lens, labels(), { reduction: 'sum' }))).toBeCloseTo(2 * expected, 6);
    expect(values(logitLensLoss(h, lens, labels(), { reduction: 'none' }))).toEqual([
      expect.closeTo(Math.log(2), 6),
      expect.closeTo(Math.log(5 / 3), 6),
    ]);
    expect(scalar(logitLensLoss(h, lens, labels()))).toBeCloseTo(scalar(causalLmLoss(lens(h), labels())), 6);
  });

  it('gives the head and final norm exactly zero gradient by default, a real one with trainHead', () => {
    const g = tf.variable(tf.tensor1d([1.1, 0.9, 1.0, 1.2]));
    const w = tf.variable(tf.randomNormal([4, 3], 0, 1, 'float32', 1));
    const h = tf.variable(tf.randomNormal([1, 3, 4], 0, 1, 'float32', 2)) as tf.Variable<tf.Rank.R3>;
    const lens = headOf(g, w);
    const frozen = tf.variableGrads(() => logitLensLoss(h, lens, labels()), [g, w, h]);
    expect(values(frozen.grads[g.name]!).every((v) => v === 0)).toBe(true);
    expect(values(frozen.grads[w.name]!).every((v) => v === 0)).toBe(true);
    expect(Math.max(...values(frozen.grads[h.name]!).map(Math.abs))).toBeGreaterThan(1e-3);
    const trained = tf.variableGrads(() => logitLensLoss(h, lens, labels(), { trainHead: true }), [g, w, h]);
    expect(Math.max(...values(trained.grads[g.name]!).map(Math.abs))).toBeGreaterThan(1e-3);
    expect(Math.max(...values(trained.grads[w.name]!).map(Math.abs))).toBeGreaterThan(1e-3);
    // Freezing the head does not change what reaches h.
    expect(values(trained.grads[h.name]!)).toEqual(values(frozen.grads[h.name]!).map((v) => expect.closeTo(v, 6)));
    tf.dispose([frozen.value, trained.value, g, w, h]);
    tf.dispose(Object.values(frozen.grads));
    tf.dispose(Object.values(trained.grads));
  });

  it('passes finite-difference gradient checks for the states and (trainHead) the head', () => {
    const h = tf.randomNormal([2, 3, 4], 0, 1, 'float32', 5);
    const g = tf.randomNormal([4], 1, 0.1, 'float32', 6);
    const w = tf.randomNormal([4, 5], 0, 1, 'float32', 7);
    const lab = tf.tensor2d(
      [
        [0, 4, 1],
        [-100, 3, -100],
      ],
      undefined,
      'int32',
    );
    const errH = maxGradientError((x) => logitLensLoss(x as tf.Tensor3D, headOf(g, w), lab), [h]);
    const errHead = maxGradientError(
      (x, gg, ww) => logitLensLoss(x as tf.Tensor3D, headOf(gg!, ww!), lab, { trainHead: true }),
      [h, g, w],
    );
    expect(errH).toBeLessThan(1e-2);
    expect(errHead).toBeLessThan(1e-2);
  });

  it('leaves no tensors behind', () => {
    const h = tf.randomNormal([1, 3, 3]) as tf.Tensor3D;
    const lens = headOf(tf.ones([3]), tf.eye(3));
    const lab = labels();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) logitLensLoss(h, lens, lab).dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('rejects bad input naming the tensor', () => {
    const lens = headOf(tf.ones([3]), tf.eye(3));
    expect(() => logitLensLoss(tf.zeros([3, 3]) as unknown as tf.Tensor3D, lens, labels())).toThrow(
      /logitLensLoss: hidden: expected rank 3 \[batch, time, hidden\]/,
    );
    const wrongHead: LogitLensHead = (h) => tf.zeros([h.shape[0], h.shape[1] + 1, 3]) as tf.Tensor3D;
    expect(() => logitLensLoss(tf.zeros([1, 3, 3]), wrongHead, labels())).toThrow(
      /logitLensLoss: lmHead\(hidden\): expected shape \[batch, time, vocab\] = \[1, 3, \?\], got \[1, 4, 3\]/,
    );
    expect(() => logitLensLoss(tf.zeros([1, 3, 3]), 'head' as unknown as LogitLensHead, labels())).toThrow(
      /lmHead must be a function/,
    );
    expect(() => logitLensLoss(tf.zeros([1, 3, 3]), lens, tf.tensor2d([[0, 9, 0]], undefined, 'int32'))).toThrow(
      /logitLensLoss: labels\[0\]\[1\] = 9: expected -100 \(ignored\) or a token id in \[0, 3\)/,
    );
  });
});
