import * as tf from '@tensorflow/tfjs-core';
import { beforeEach, describe, expect, it } from 'vitest';
import { noGrad } from './no-grad.js';
import { stopGradient } from './stop-gradient.js';
import { BACKENDS, useBackend } from './test-utils/backends.js';

const values = (t: tf.Tensor): number[] => Array.from(t.dataSync());

describe.each(BACKENDS)('on %s', (backend) => {
  beforeEach(() => useBackend(backend));

  describe('stopGradient', () => {
    it('is the identity forward and blocks exactly its own path backward', () => {
      const x = tf.tensor1d([1, -2, 3]);
      expect(values(stopGradient(x))).toEqual([1, -2, 3]);
      // d/dx sum(stop(x) * x) = stop(x) = x: only the unstopped factor contributes.
      const g = tf.grad((a: tf.Tensor) => tf.sum(tf.mul(stopGradient(a), a)))(x);
      expect(values(g)).toEqual([1, -2, 3]);
      const zero = tf.grad((a: tf.Tensor) => tf.sum(tf.square(stopGradient(a))))(x);
      expect(values(zero)).toEqual([0, 0, 0]);
    });

    it('passes integer tensors through unchanged', () => {
      const ids = tf.tensor1d([4, 5], 'int32');
      const out = stopGradient(ids);
      expect(out.dtype).toBe('int32');
      expect(values(out)).toEqual([4, 5]);
    });
  });

  describe('noGrad', () => {
    it('returns the values of fn, cut off from the gradient (only other paths count)', () => {
      const x = tf.tensor1d([1, 2, 3]);
      // f = sum(x * c) + sum(x^2 computed under noGrad): df/dx = c (the noGrad branch adds nothing).
      const c = tf.tensor1d([0.5, -1, 2]);
      const g = tf.grad((a: tf.Tensor) => tf.add(tf.sum(tf.mul(a, c)), tf.sum(noGrad(() => tf.square(a)))))(x);
      expect(values(g)).toEqual([0.5, -1, 2]);
      const [sq, cube] = noGrad(() => [tf.square(x), tf.pow(x, 3)]);
      expect(values(sq!)).toEqual([1, 4, 9]);
      expect(values(cube!)).toEqual([1, 8, 27]);
    });

    it('records nothing of fn on the tape and leaves no tensors behind', () => {
      const w = tf.variable(tf.tensor1d([1, 2]));
      const before = tf.memory().numTensors;
      const taped = (): string[] => (tf.engine().state.activeTape ?? []).map((n) => n.kernelName);
      for (let i = 0; i < 3; i++) {
        const { value, grads } = tf.variableGrads(() => {
          const fixed = noGrad(() => tf.exp(tf.mul(w, 3)));
          expect(taped()).not.toContain('Exp');
          return tf.sum(tf.mul(w, fixed));
        }, [w]);
        // d/dw sum(w * const) = const = exp(3w).
        expect(values(grads[w.name]!)).toEqual([expect.closeTo(Math.exp(3), 3), expect.closeTo(Math.exp(6), 2)]);
        tf.dispose([value, grads[w.name]!]);
      }
      expect(tf.memory().numTensors).toBe(before);
      // The caller's own tensors returned from fn stay alive (noGrad hands back copies).
      const y = tf.tensor1d([7]);
      noGrad(() => y).dispose();
      expect(values(y)).toEqual([7]);
      // Control: the same op outside noGrad is on the tape.
      tf.dispose(
        tf.grad((a: tf.Tensor) => {
          const e = tf.sum(tf.exp(a));
          expect(taped()).toContain('Exp');
          return e;
        })(y),
      );
      w.dispose();
    });
  });
});
