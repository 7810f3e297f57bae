import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '../select-backend.js';

/** Seeded inputs, built on whichever backend is active. */
function inputs(): { x: tf.Tensor2D; w: tf.Tensor2D; ids: tf.Tensor1D } {
  return {
    x: tf.randomNormal([8, 16], 0, 1, 'float32', 1),
    w: tf.randomNormal([16, 32], 0, 1, 'float32', 2),
    ids: tf.tensor1d([3, 0, 7, 3], 'int32'),
  };
}

/** A few ops of the model's path, forward and backward, as plain numbers. */
const CASES: Record<string, () => tf.Tensor> = {
  matMul: () => {
    const { x, w } = inputs();
    return tf.matMul(x, w);
  },
  softmax: () => tf.softmax(tf.matMul(inputs().x, inputs().w)),
  gather: () => tf.gather(inputs().x, inputs().ids),
  logSumExp: () => tf.logSumExp(inputs().x, 1),
  rsqrtMean: () => tf.rsqrt(tf.mean(tf.square(inputs().x), -1)),
  gradient: () => {
    const { x, w, ids } = inputs();
    const loss = (a: tf.Tensor) => tf.sum(tf.logSoftmax(tf.matMul(tf.gather(a, ids), w)));
    return tf.grad(loss)(x);
  },
};

function run(): Record<string, Float32Array> {
  return Object.fromEntries(Object.entries(CASES).map(([name, f]) => [name, tf.tidy(() => f()).dataSync() as Float32Array]));
}

/**
 * Runs the cases on tensorflow and on cpu and returns the largest |Δ| / max(1, |cpu|) of each; throws when one is
 * above `tolerance`. Leaves the cpu backend active.
 */
export async function smokeTest(tolerance = 1e-4): Promise<{ line: string; worst: Record<string, number> }> {
  let line = '';
  await selectBackend({ prefer: 'tensorflow', log: (l) => (line = l) });
  const ours = run();
  await selectBackend({ prefer: 'cpu', log: null });
  const ref = run();
  const worst: Record<string, number> = {};
  for (const name of Object.keys(CASES)) {
    const a = ours[name]!;
    const b = ref[name]!;
    if (a.length !== b.length) throw new Error(`smoke test ${name}: ${a.length} values on tensorflow vs ${b.length} on cpu`);
    worst[name] = a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]!) / Math.max(1, Math.abs(b[i]!))), 0);
  }
  const bad = Object.entries(worst).filter(([, d]) => !(d <= tolerance));
  if (bad.length) throw new Error(`smoke test: tensorflow disagrees with cpu on ${bad.map(([n, d]) => `${n} (${d.toExponential(2)})`).join(', ')}`);
  return { line, worst };
}
