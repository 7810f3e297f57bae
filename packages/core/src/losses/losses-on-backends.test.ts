import { causalLmLoss, layerEntropy, poolStates } from '@dft/losses';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, describe, expect, it } from 'vitest';
import { TEST_BACKENDS, useBackend } from '../test-utils/fixtures.js';

/**
 * The losses on every backend core selects: tfjs-backend-wasm (whose float32 OneHot kernel is broken:
 * 1 → 1.4e-45), @dft/native when its addon is built (where causalLmLoss runs the fused token-NLL kernel) and
 * tensorflow when tfjs-node is there.
 */
describe.each(TEST_BACKENDS)('losses on the %s backend', (backend) => {
  afterAll(() => useBackend('cpu'));

  it('causalLmLoss gradient is softmax − one-hot of the next token, over the counted tokens', async () => {
    await useBackend(backend);
    const z = [
      [0, 1, 2],
      [2, 0, 0],
    ];
    const logits = tf.tensor3d([z]);
    const labels = tf.tensor2d([[0, 2]], undefined, 'int32'); // position 0 predicts label[1] = 2
    const g = tf.grad((x: tf.Tensor) => causalLmLoss(x as tf.Tensor3D, labels))(logits);
    const e = z[0]!.map(Math.exp);
    const s = e.reduce((a, b) => a + b, 0);
    const want = [e[0]! / s, e[1]! / s, e[2]! / s - 1, 0, 0, 0];
    Array.from(g.dataSync()).forEach((v, i) => expect(v).toBeCloseTo(want[i]!, 5));
    tf.dispose([logits, labels, g]);
  });

  it("'last' pooling picks the last real position", async () => {
    await useBackend(backend);
    const states = tf.tensor3d([[[1, 2], [3, 4], [5, 6]]]);
    const mask = tf.tensor2d([[1, 1, 0]]);
    const pooled = poolStates(states, mask, 'last');
    expect(Array.from(pooled.dataSync())).toEqual([3, 4]);
    tf.dispose([states, mask, pooled]);
  });

  it('layerEntropy of large-scale 32k-vocabulary logits matches float64 within 1e-4 nats', async () => {
    await useBackend(backend);
    const V = 32000;
    let seed = 7;
    const z = Float32Array.from({ length: V }, () => ((seed = (seed * 16807) % 2147483647) / 2147483647 - 0.5) * 40);
    const m = Math.max(...z);
    const s = z.reduce((a, v) => a + Math.exp(v - m), 0);
    const want = -z.reduce((a, v) => {
      const lp = v - m - Math.log(s);
      return a + Math.exp(lp) * lp;
    }, 0);
    const mean = tf.tidy(() => layerEntropy(tf.tensor3d(z, [1, 1, V]), (x) => x, tf.ones([1, 1]) as tf.Tensor2D).mean);
    expect(Math.abs(mean.dataSync()[0]! - want)).toBeLessThan(1e-4);
    mean.dispose();
  });
});
