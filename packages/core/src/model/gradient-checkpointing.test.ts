import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spyOnLayers, TEST_BACKENDS, TINY_GEMMA2, useBackend } from '../test-utils/fixtures.js';
import { withPeakBytes } from '../train/peak-bytes.js';
import { Trainer, type LossFn } from '../train/trainer.js';
import { parseConfig } from './config.js';
import { initialParameters } from './init.js';
import { CausalLM } from './model.js';
import { loadPretrained } from './pretrained.js';

const LLAMA_RAW = {
  model_type: 'llama',
  vocab_size: 96,
  hidden_size: 32,
  intermediate_size: 48,
  num_hidden_layers: 4,
  num_attention_heads: 4,
  num_key_value_heads: 2,
  max_position_embeddings: 256,
  initializer_range: 0.2,
};
const LLAMA = parseConfig(LLAMA_RAW);

/** Two rows, the second right-padded, so the masks and position ids of the replayed layers matter. */
function batch(time: number) {
  const ids = tf.tensor2d([0, 1].map((b) => Array.from({ length: time }, (_, t) => (b * 13 + t * 7 + 3) % 96)), undefined, 'int32');
  const mask = tf.tensor2d([Array(time).fill(1), [...Array(time - 3).fill(1), 0, 0, 0]], undefined, 'int32');
  return { ids, mask };
}

/**
 * What DFT asks of a model in one step: a full pass whose logits and a captured middle state both carry loss, and a
 * pass stopped at layer `stop` read through the logit lens. Fixed random weightings stand in for the losses.
 */
function objective(model: CausalLM, ids: tf.Tensor2D, mask: tf.Tensor2D, stop: number): tf.Scalar {
  const full = model.forward(ids, { attentionMask: mask, capture: [1] });
  const partial = model.forward(ids, { attentionMask: mask, capture: [stop], stopAtLayer: stop, logits: false });
  const lens = model.logitLens(partial.hidden.get(stop)!, stop);
  const weigh = (t: tf.Tensor, seed: number) => tf.sum(tf.mul(t, tf.randomNormal(t.shape, 0, 1, 'float32', seed)));
  return tf.addN([weigh(full.logits!, 1), weigh(full.hidden.get(1)!, 2), weigh(lens, 3)]) as tf.Scalar;
}

function gradients(model: CausalLM, checkpointing: boolean, time = 12, stop = 2): Map<string, Float32Array> {
  model.gradientCheckpointing = checkpointing;
  const { ids, mask } = batch(time);
  const { value, grads } = tf.variableGrads(() => objective(model, ids, mask, stop), [...model.params.values()]);
  const out = new Map([...model.params].map(([name, v]) => [name, grads[v.name]!.dataSync() as Float32Array]));
  tf.dispose([value, ids, mask, ...Object.values(grads)]);
  model.gradientCheckpointing = false;
  return out;
}

/** Largest |a − b| of a tensor relative to the largest |b| of that tensor. */
function worstRelative(a: Map<string, Float32Array>, b: Map<string, Float32Array>): { name: string; rel: number } {
  let worst = { name: '', rel: 0 };
  for (const [name, ref] of b) {
    const got = a.get(name)!;
    let diff = 0;
    let scale = 0;
    ref.forEach((x, i) => {
      diff = Math.max(diff, Math.abs(got[i]! - x));
      scale = Math.max(scale, Math.abs(x));
    });
    const rel = scale === 0 ? diff : diff / scale;
    if (!(rel <= worst.rel)) worst = { name, rel };
  }
  return worst;
}

describe.each(TEST_BACKENDS)('gradient checkpointing on %s', (backend) => {
  const models: Record<string, CausalLM> = {};
  beforeAll(async () => {
    await useBackend(backend);
    models.llama = new CausalLM(LLAMA, initialParameters(LLAMA, 7));
    // Gemma-2: sliding and full layers, attention and final soft-caps, the (1 + w) norms and the tied head.
    models.gemma2 = loadPretrained(TINY_GEMMA2).model;
  });
  afterAll(() => Object.values(models).forEach((m) => m.dispose()));

  for (const name of ['llama', 'gemma2']) {
    it(`${name}: the gradients of every parameter equal those without (≤ 1e-6 relative), hooks and stop-at-layer included`, () => {
      const model = models[name]!;
      const plain = gradients(model, false);
      const recomputed = gradients(model, true);
      expect([...recomputed.keys()]).toEqual([...model.params.keys()]);
      // Every layer below the stop gets a gradient (the captured state and the lens pass reach it).
      expect(recomputed.get('model.layers.0.self_attn.q_proj.weight')!.some((g) => g !== 0)).toBe(true);
      expect(worstRelative(recomputed, plain).rel).toBeLessThanOrEqual(1e-6);
    });
  }

  it('runs each layer once forward and once more in the backward pass; a stopped pass never runs the layers above', () => {
    const model = models.llama!;
    const layers = spyOnLayers(model);
    const ran = layers.ran;
    model.gradientCheckpointing = true;
    const { ids, mask } = batch(8);
    const { value, grads } = tf.variableGrads(() => {
      const out = model.forward(ids, { attentionMask: mask, capture: [2], stopAtLayer: 2, logits: false });
      return tf.sum(tf.square(model.lmHead(out.hidden.get(2)!))) as tf.Scalar;
    });
    expect(ran).toEqual([0, 1, 1, 0]);
    // Without a tape (evaluation) nothing is replayed.
    ran.length = 0;
    tf.tidy(() => {
      model.forward(ids, { attentionMask: mask });
    });
    expect(ran).toEqual([0, 1, 2, 3]);
    layers.restore();
    model.gradientCheckpointing = false;
    tf.dispose([value, ids, mask, ...Object.values(grads)]);
  });

  it('lowers the peak tensor memory of a training step on a model with several layers', async () => {
    const model = models.llama!;
    const peak = async (checkpointing: boolean) => {
      model.gradientCheckpointing = checkpointing;
      const { ids, mask } = batch(96);
      const { result, peakBytes } = await withPeakBytes(() =>
        tf.variableGrads(() => tf.sum(tf.square(model.forward(ids, { attentionMask: mask }).logits!)) as tf.Scalar),
      );
      tf.dispose([result.value, ids, mask, ...Object.values(result.grads)]);
      model.gradientCheckpointing = false;
      return peakBytes;
    };
    const without = await peak(false);
    const withCheckpointing = await peak(true);
    expect(withCheckpointing).toBeLessThan(without);
    // The saving is the activations of the layers that are no longer kept: most of the step's memory here.
    expect(withCheckpointing).toBeLessThan(0.5 * without);
  });

  it('replays a frozen layer with its weights as constants: no gradient is computed for them', async () => {
    // Large weights and few tokens, so that a gradient of the layers' weights stands out from the activations.
    const config = parseConfig({ ...LLAMA_RAW, hidden_size: 64, intermediate_size: 2048, num_hidden_layers: 2 });
    const model = new CausalLM(config, initialParameters(config, 9));
    model.gradientCheckpointing = true;
    const layerWeights = [...model.params].filter(([name]) => name.startsWith('model.layers.')).map(([, v]) => v);
    const others = [...model.params.values()].filter((v) => !layerWeights.includes(v));
    /** The backward's peak with gradients taken for the other parameters only, the layers frozen or merely not asked for. */
    const peak = async (freeze: boolean) => {
      layerWeights.forEach((v) => (v.trainable = !freeze));
      const { ids, mask } = batch(4);
      const { result, peakBytes } = await withPeakBytes(() =>
        tf.variableGrads(() => tf.sum(tf.square(model.forward(ids, { attentionMask: mask }).logits!)) as tf.Scalar, others),
      );
      tf.dispose([result.value, ids, mask, ...Object.values(result.grads)]);
      return peakBytes;
    };
    // A trainable weight is an input of the replay, which differentiates it even when nobody asks; a frozen one is not.
    const layerBytes = layerWeights.reduce((n, v) => n + v.size * 4, 0);
    expect((await peak(false)) - (await peak(true))).toBeGreaterThanOrEqual(0.75 * layerBytes);
    model.dispose();
  });

  it('leaks no tensor across training steps', async () => {
    const model = new CausalLM(LLAMA, initialParameters(LLAMA, 8));
    model.gradientCheckpointing = true;
    const loss: LossFn<number> = (m, time) => {
      const { ids, mask } = batch(time);
      const out = m.forward(ids, { attentionMask: mask, capture: [2] });
      return { loss: tf.add(tf.mean(tf.square(out.logits!)), tf.mean(tf.square(out.hidden.get(2)!))) as tf.Scalar };
    };
    const trainer = new Trainer(model, loss, { lr: 1e-3, totalSteps: 10 });
    await trainer.step([{ batch: 10, weight: 1 }]);
    const counts: number[] = [];
    for (const time of [10, 16, 10, 12]) {
      await trainer.step([{ batch: time, weight: 1 }]);
      counts.push(tf.memory().numTensors);
    }
    expect(counts).toEqual(counts.map(() => counts[0]));
    trainer.dispose();
    model.dispose();
  });
});
