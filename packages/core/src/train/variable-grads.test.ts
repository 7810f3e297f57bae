import * as tf from '@tensorflow/tfjs-core';
import { dftObjective, type DftBatch } from '@dft/losses';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../model/config.js';
import { initialParameters } from '../model/init.js';
import { CausalLM } from '../model/model.js';
import { TEST_BACKENDS, useBackend } from '../test-utils/fixtures.js';
import { withPeakBytes } from './peak-bytes.js';
import { variableGrads } from './variable-grads.js';

const CONFIG = parseConfig({
  model_type: 'gemma2', vocab_size: 500, hidden_size: 32, intermediate_size: 64, num_hidden_layers: 3, num_attention_heads: 2,
  num_key_value_heads: 1, head_dim: 16, max_position_embeddings: 64, final_logit_softcapping: 30, attn_logit_softcapping: 50,
  query_pre_attn_scalar: 16, hidden_activation: 'gelu_pytorch_tanh', sliding_window: 8,
});

function group(seed: number, time: number) {
  const ids = tf.tensor2d([0, 1].map((b) => Array.from({ length: time }, (_, t) => (seed * 31 + b * 13 + t * 7 + 3) % CONFIG.vocabSize)), undefined, 'int32');
  const attentionMask = tf.tensor2d([Array(time).fill(1), [...Array(time - 2).fill(1), 0, 0]], undefined, 'int32');
  const labels = tf.tidy(() => tf.where(tf.less(tf.range(0, time, 1, 'int32'), 3), tf.fill([2, time], -100, 'int32'), ids)) as tf.Tensor2D;
  return { ids, labels, attentionMask };
}

const read = (grads: tf.NamedTensorMap) => Object.fromEntries(Object.entries(grads).map(([k, g]) => [k, Array.from(g.dataSync())]));

describe.each(TEST_BACKENDS)('variableGrads on %s', (backend) => {
  let model: CausalLM;
  let batch: DftBatch;
  beforeAll(async () => {
    await useBackend(backend);
    model = new CausalLM(CONFIG, initialParameters(CONFIG, 5));
    batch = { tft: group(1, 12), lc: group(2, 9), et: group(3, 10) };
  });
  afterAll(() => {
    model.gradientCheckpointing = false;
    model.dispose();
    tf.dispose(Object.values(batch).flatMap((g) => Object.values(g)));
  });

  it.each([
    ['whole losses', false, 0],
    ['chunked losses and gradient checkpointing', true, 4],
  ] as const)('a DFT-logits step with %s: the value and every gradient of tf.variableGrads, bit for bit', (_, checkpointing, lossChunkTokens) => {
    model.gradientCheckpointing = checkpointing;
    const f = () => dftObjective({ method: 'dft-logits', lcLayer: 1, etLayer: 2, lossChunkTokens }, model, batch).loss;
    const before = tf.memory().numTensors;
    const ours = variableGrads(f, [...model.params.values()]);
    const theirs = tf.variableGrads(f, [...model.params.values()]);
    expect(Object.keys(ours.grads).sort()).toEqual(Object.keys(theirs.grads).sort());
    expect(ours.value.dataSync()[0]).toBe(theirs.value.dataSync()[0]);
    expect(read(ours.grads)).toEqual(read(theirs.grads));
    tf.dispose([ours.value, theirs.value, ...Object.values(ours.grads), ...Object.values(theirs.grads)]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('frees as it goes: the peak of a DFT-logits backward is well under tfjs\'s, which keeps every tensor to the end', async () => {
    model.gradientCheckpointing = false;
    const f = () => dftObjective({ method: 'dft-logits', lcLayer: 1, etLayer: 2, lossChunkTokens: 0 }, model, batch).loss;
    const base = tf.memory().numBytes;
    const peak = async (grads: typeof variableGrads) => {
      const { result, peakBytes } = await withPeakBytes(() => grads(f, [...model.params.values()]));
      tf.dispose([result.value, ...Object.values(result.grads)]);
      return peakBytes - base;
    };
    const ours = await peak(variableGrads);
    const theirs = await peak(tf.variableGrads);
    expect(ours).toBeLessThan(0.7 * theirs);
  });
});

describe('variableGrads: graphs and failures', () => {
  beforeAll(async () => {
    await useBackend('cpu');
  });

  it('a gradient passed on unchanged, a tensor read twice, a custom gradient and an unreached variable', () => {
    const a = tf.variable(tf.tensor2d([[1, -2], [3, 0.5]]), true, 'vg-a');
    const b = tf.variable(tf.tensor1d([0.25, -1]), true, 'vg-b');
    const unused = tf.variable(tf.scalar(7), true, 'vg-unused');
    const frozen = tf.variable(tf.scalar(3), false, 'vg-frozen');
    // Identity as a custom op: its gradient is dy itself, the same tensor object as the output's gradient.
    const identity = tf.customGrad(((x: tf.Tensor, save: tf.GradSaveFunc) => {
      save([]);
      return { value: tf.clone(x), gradFunc: (dy: tf.Tensor) => dy };
    }) as unknown as Parameters<typeof tf.customGrad>[0]);
    const f = () => {
      const h = identity(tf.matMul(a, tf.reshape(b, [2, 1]))) as tf.Tensor;
      return tf.sum(tf.mul(tf.add(tf.mul(h, h), tf.mul(h, frozen)), tf.reshape(b, [2, 1]))) as tf.Scalar;
    };
    const before = tf.memory().numTensors;
    const ours = variableGrads(f, [a, b, unused, frozen]);
    const theirs = tf.variableGrads(f, [a, b, unused]);
    expect(Object.keys(ours.grads).sort()).toEqual(['vg-a', 'vg-b']);
    expect(read(ours.grads)).toEqual(read(theirs.grads));
    expect(ours.value.dataSync()[0]).toBe(theirs.value.dataSync()[0]);
    tf.dispose([ours.value, theirs.value, ...Object.values(ours.grads), ...Object.values(theirs.grads)]);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([a, b, unused, frozen]);
  });

  it('refuses a non-scalar loss, a loss that reaches no variable and no trainable variable, and cleans its tape after a failing f', () => {
    const w = tf.variable(tf.ones([3]), true, 'vg-w');
    const frozen = tf.variable(tf.ones([1]), false, 'vg-frozen-only');
    const before = tf.memory().numTensors;
    expect(() => variableGrads(() => tf.mul(w, 2) as unknown as tf.Scalar, [w])).toThrow('variableGrads: f must return a scalar tensor, got shape [3]');
    expect(() => variableGrads(() => tf.scalar(1), [w])).toThrow('variableGrads: f reaches none of the variables');
    expect(() => variableGrads(() => tf.sum(w), [frozen])).toThrow('variableGrads: no trainable variable');
    expect(() =>
      variableGrads(() => {
        tf.exp(w); // a recorded op, then a failure
        throw new Error('boom');
      }, [w]),
    ).toThrow('boom');
    expect(tf.memory().numTensors).toBe(before);
    // The next call starts from a clean tape.
    const { value, grads } = variableGrads(() => tf.sum(tf.square(w)), [w]);
    expect(Array.from(grads['vg-w']!.dataSync())).toEqual([2, 2, 2]);
    tf.dispose([value, ...Object.values(grads), w, frozen]);
  });
});
