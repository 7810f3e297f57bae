import * as tf from '@tensorflow/tfjs-core';
import { availableBackends, selectBackend } from '@dft/core';
import { afterAll, describe, expect, it } from 'vitest';
import { causalLmLoss } from './causal-lm-loss.js';
import { layerEntropy } from './layer-entropy.js';
import { poolStates } from './pooling.js';

/**
 * The losses on tfjs-backend-wasm (whose float32 OneHot kernel is broken: 1 → 1.4e-45), on @dft/native when
 * its addon is built (where causalLmLoss runs the fused token-NLL kernel) and on tensorflow when tfjs-node is there.
 */
const BACKENDS = (['cpu', 'wasm', 'native', 'tensorflow'] as const).filter((b) => availableBackends().includes(b));

describe.each(BACKENDS)('losses on the %s backend', (backend) => {
  afterAll(() => selectBackend({ prefer: 'cpu', log: null }));

  it('causalLmLoss gradient is softmax − one-hot of the next token, over the counted tokens', async () => {
    await selectBackend({ prefer: backend, log: null });
    const z = [
      [0, 1, 2],
      [2, 0, 0],
    ];
    const logits = tf.tensor3d([z]);
    const labels = tf.tensor2d([[0, 2]], undefined, 'int32'); // position 0 predicts label[1] = 2
    const g = tf.grad((x: tf.Tensor) => causalLmLoss(x as tf.Tensor3D, labels))(logits);
    const e = z[0].map(Math.exp);
    const s = e.reduce((a, b) => a + b, 0);
    const want = [e[0] / s, e[1] / s, e[2] / s - 1, 0, 0, 0];
    Array.from(g.dataSync()).forEach((v, i) => expect(v).toBeCloseTo(want[i], 5));
  });

  it("'last' pooling picks the last real position", async () => {
    await selectBackend({ prefer: backend, log: null });
    const states = tf.tensor3d([[[1, 2], [3, 4], [5, 6]]]);
    const pooled = poolStates(states, tf.tensor2d([[1, 1, 0]]), 'last');
    expect(Array.from(pooled.dataSync())).toEqual([3, 4]);
  });

  it('layerEntropy of large-scale 32k-vocabulary logits matches float64 within 1e-4 nats', async () => {
    await selectBackend({ prefer: backend, log: null });
    const V = 32000;
    let seed = 7;
    const z = Float32Array.from({ length: V }, () => ((seed = (seed * 16807) % 2147483647) / 2147483647 - 0.5) * 40);
    const m = Math.max(...z);
    const s = z.reduce((a, v) => a + Math.exp(v - m), 0);
    const want = -z.reduce((a, v) => {
      const lp = v - m - Math.log(s);
      return a + Math.exp(lp) * lp;
    }, 0);
    const { mean } = layerEntropy(tf.tensor3d(z, [1, 1, V]), (x) => x, tf.ones([1, 1]) as tf.Tensor2D);
    expect(Math.abs(mean.dataSync()[0] - want)).toBeLessThan(1e-4);
  });
});
