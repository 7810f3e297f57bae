import * as tf from '@tensorflow/tfjs-core';
import { dftObjective, type DftBatch, type HookedCausalLM } from '@dft/losses';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_BACKENDS, TINY_GEMMA2, TINY_LLAMA, useBackend } from '../test-utils/fixtures.js';
import { withPeakBytes } from '../train/peak-bytes.js';
import { parseConfig } from './config.js';
import { initialParameters } from './init.js';
import { CausalLM } from './model.js';
import { loadPretrained } from './pretrained.js';

/** Two rows, the second right-padded. */
function inputs(vocab: number, time: number, seed = 0) {
  const ids = tf.tensor2d([0, 1].map((b) => Array.from({ length: time }, (_, t) => (seed * 31 + b * 13 + t * 7 + 3) % vocab)), undefined, 'int32');
  const mask = tf.tensor2d([Array(time).fill(1), [...Array(time - 2).fill(1), 0, 0]], undefined, 'int32');
  return { ids, mask };
}

describe.each(TEST_BACKENDS)('inputsEmbeds on %s', (backend) => {
  const models: Record<string, CausalLM> = {};
  beforeAll(async () => {
    await useBackend(backend);
    models.llama = loadPretrained(TINY_LLAMA).model;
    // Gemma-2 scales its embeddings by sqrt(hidden): given ones are scaled the same way.
    models.gemma2 = loadPretrained(TINY_GEMMA2).model;
  });
  afterAll(() => Object.values(models).forEach((m) => m.dispose()));

  for (const name of ['llama', 'gemma2']) {
    it(`${name}: forward(ids, {inputsEmbeds: embedTokens(ids)}) equals forward(ids), every hidden state and the logits`, () => {
      const model = models[name]!;
      const { ids, mask } = inputs(model.config.vocabSize, 9);
      const [own, given] = tf.tidy(() => {
        const a = model.forward(ids, { attentionMask: mask, capture: 'all' });
        const b = model.forward(ids, { attentionMask: mask, capture: 'all', inputsEmbeds: model.embedTokens(ids) });
        return [[a.logits!, ...a.hidden.values()], [b.logits!, ...b.hidden.values()]];
      });
      expect(given.length).toBe(model.numLayers + 2);
      given.forEach((t, k) => expect(Array.from(t.dataSync())).toEqual(Array.from(own[k]!.dataSync())));
      // embedTokens is the table's rows, unscaled (HF's get_input_embeddings()).
      const rows = tf.tidy(() => tf.sub(model.embedTokens(ids), tf.gather(model.params.get('model.embed_tokens.weight')!, ids)));
      expect(rows.dataSync().every((x) => x === 0)).toBe(true);
      tf.dispose([ids, mask, rows, ...own, ...given]);
    });
  }

  it('names the expected shape when inputsEmbeds do not match the ids', () => {
    const model = models.llama!;
    const { ids } = inputs(model.config.vocabSize, 5);
    const H = model.config.hiddenSize;
    const bad = [tf.zeros([2, 4, H]), tf.zeros([1, 5, H]), tf.zeros([2, 5, H + 1]), tf.zeros([2, 5, H], 'int32')];
    expect(() => model.forward(ids, { inputsEmbeds: bad[0] as tf.Tensor3D })).toThrow(`forward: inputsEmbeds must be float32 [2, 5, ${H}] (ids [2, 5]), got float32 [2,4,${H}]`);
    for (const t of bad.slice(1)) expect(() => model.forward(ids, { inputsEmbeds: t as tf.Tensor3D })).toThrow('forward: inputsEmbeds must be float32');
    expect(() => model.embedTokens(tf.zeros([5], 'int32') as unknown as tf.Tensor2D)).toThrow('embedTokens: ids must be [batch, time], got shape [5]');
    tf.dispose([ids, ...bad]);
  });
});

describe('one embedding lookup per DFT step', () => {
  // A tied vocabulary-heavy Gemma-2 shape: the table (and each dense gradient of it) dominates the step's memory.
  const CONFIG = parseConfig({
    model_type: 'gemma2', vocab_size: 6000, hidden_size: 32, intermediate_size: 64, num_hidden_layers: 2, num_attention_heads: 2,
    num_key_value_heads: 1, head_dim: 16, max_position_embeddings: 64, final_logit_softcapping: 30, attn_logit_softcapping: 50,
    query_pre_attn_scalar: 16, hidden_activation: 'gelu_pytorch_tanh', sliding_window: 8,
  });
  let model: CausalLM;
  let batch: DftBatch;
  beforeAll(async () => {
    await useBackend('cpu');
    model = new CausalLM(CONFIG, initialParameters(CONFIG, 3));
    const group = (seed: number, time: number) => {
      const { ids, mask } = inputs(CONFIG.vocabSize, time, seed);
      const labels = tf.tidy(() => tf.where(tf.less(tf.range(0, time, 1, 'int32'), 3), tf.fill([2, time], -100, 'int32'), ids));
      return { ids, labels: labels as tf.Tensor2D, attentionMask: mask };
    };
    // The passes have different lengths: the shared lookup reads them as one row of ids.
    batch = { tft: group(1, 12), lc: group(2, 7), et: group(3, 10) };
  });
  afterAll(() => {
    model.dispose();
    tf.dispose(Object.values(batch).flatMap((g) => Object.values(g)));
  });

  /** The same model without `embedTokens`: each pass looks its ids up itself. */
  const perPassLookups = (m: CausalLM): HookedCausalLM => ({
    numLayers: m.numLayers,
    forward: (ids, o) => m.forward(ids, o),
    lmHead: (h, o) => m.lmHead(h, o),
    logitLens: (h, k, o) => m.logitLens(h, k, o),
    lmHeadOf: (k) => m.lmHeadOf(k),
  });

  it.each([0, 4])('dft-logits (loss chunks %i): same loss and gradients, two dense table gradients fewer at the peak', async (lossChunkTokens) => {
    const objective = dftObjective({ method: 'dft-logits', lcLayer: 1, etLayer: 2, lossChunkTokens });
    const variables = [...model.params.values()];
    const step = (m: HookedCausalLM) => withPeakBytes(() => tf.variableGrads(() => objective(m, batch).loss, variables));
    const before = tf.memory().numTensors;
    const shared = await step(model);
    const separate = await step(perPassLookups(model));
    expect(shared.result.value.dataSync()[0]).toBeCloseTo(separate.result.value.dataSync()[0]!, 5);
    for (const v of variables) {
      const a = shared.result.grads[v.name]!.dataSync();
      const b = separate.result.grads[v.name]!.dataSync();
      let [diff, scale] = [0, 0];
      b.forEach((x, i) => {
        diff = Math.max(diff, Math.abs(a[i]! - x));
        scale = Math.max(scale, Math.abs(x));
      });
      expect(diff / scale, v.name).toBeLessThanOrEqual(1e-6);
    }
    // Three passes' lookups left three [vocab, hidden] gradients until the backward ended; one lookup leaves one.
    const table = CONFIG.vocabSize * CONFIG.hiddenSize * 4;
    expect(separate.peakBytes - shared.peakBytes).toBeGreaterThanOrEqual(1.9 * table);
    for (const r of [shared, separate]) tf.dispose([r.result.value, ...Object.values(r.result.grads)]);
    expect(tf.memory().numTensors).toBe(before);
  });
});
