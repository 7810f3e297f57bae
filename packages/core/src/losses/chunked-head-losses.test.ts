// The chunked LM-head losses of @dft/losses (the head passed as data, `lmHeadOf`) against the full-logits ones, on
// the real model (LLaMA with its own head, Gemma-2 with tied embeddings and the final soft-cap) and on every
// backend this machine has.
import { causalLmLoss, dftObjective, logitLensLoss } from '@dft/losses';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../model/config.js';
import { initialParameters } from '../model/init.js';
import { CausalLM } from '../model/model.js';
import { TEST_BACKENDS, useBackend } from '../test-utils/fixtures.js';
import { withPeakBytes } from '../train/peak-bytes.js';

const SHAPES = {
  llama: parseConfig({ model_type: 'llama', vocab_size: 300, hidden_size: 16, intermediate_size: 24, num_hidden_layers: 3, num_attention_heads: 2, initializer_range: 0.3 }),
  gemma2: parseConfig({
    model_type: 'gemma2', vocab_size: 300, hidden_size: 16, intermediate_size: 24, num_hidden_layers: 3, num_attention_heads: 2, num_key_value_heads: 1,
    head_dim: 8, sliding_window: 4, final_logit_softcapping: 3, attn_logit_softcapping: 50, initializer_range: 0.3,
  }),
};

const B = 2;
const T = 9;
/** Labels with ignored (-100) positions in both rows, as prompts and padding leave them. */
function data() {
  const ids = tf.tensor2d(Array.from({ length: B }, (_, b) => Array.from({ length: T }, (_, t) => (b * 37 + t * 11 + 1) % 300)), undefined, 'int32');
  const labels = tf.tensor2d([[-100, -100, -100, 5, 17, 299, 0, 42, 8], [-100, 9, 9, 100, -100, 250, 3, -100, -100]], undefined, 'int32');
  return { ids, labels };
}

/** Loss value and gradients (every parameter, and the hidden state) of `loss(hidden)`, read to the host. */
function lossAndGrads(model: CausalLM, loss: (h: tf.Tensor3D) => tf.Scalar, layer: number) {
  const { ids } = data();
  const vars = [...model.params.values()];
  const h = tf.tidy(() => model.forward(ids, { capture: [layer], stopAtLayer: layer, logits: false }).hidden.get(layer)!);
  const { value, grads } = tf.variableGrads(() => loss(h), vars);
  const dh = tf.grad((x: tf.Tensor) => loss(x as tf.Tensor3D))(h);
  const out = {
    value: value.dataSync()[0]!,
    grads: new Map(vars.map((v) => [v.name, grads[v.name] ? Array.from(grads[v.name]!.dataSync()) : null])),
    dh: Array.from(dh.dataSync()),
  };
  tf.dispose([ids, h, value, dh, ...Object.values(grads)]);
  return out;
}

/** max |a − b| / max |b| over a list, the gradients' tolerance measure. */
function relative(a: number[], b: number[]): number {
  const scale = Math.max(...b.map(Math.abs));
  return Math.max(...a.map((x, i) => Math.abs(x - b[i]!))) / (scale || 1);
}

function expectSameLoss(chunked: ReturnType<typeof lossAndGrads>, full: ReturnType<typeof lossAndGrads>): void {
  expect(Math.abs(chunked.value - full.value)).toBeLessThanOrEqual(1e-5 * Math.abs(full.value));
  expect(relative(chunked.dh, full.dh)).toBeLessThanOrEqual(1e-5);
  // No gradient at all (a frozen head the chunked op never differentiates) and an all-zero one mean the same.
  const zero = (g: number[] | null) => g === null || g.every((x) => x === 0);
  for (const [name, g] of full.grads) {
    const c = chunked.grads.get(name)!;
    if (zero(g) || zero(c)) expect(zero(c) && zero(g), name).toBe(true);
    else expect(relative(c!, g!), name).toBeLessThanOrEqual(1e-5);
  }
}

describe.each(TEST_BACKENDS)('chunked LM-head losses on %s', (backend) => {
  const models: Record<string, CausalLM> = {};
  beforeAll(async () => {
    await useBackend(backend);
    for (const [name, config] of Object.entries(SHAPES)) models[name] = new CausalLM(config, initialParameters(config, 3));
  });
  afterAll(() => Object.values(models).forEach((m) => m.dispose()));

  for (const name of Object.keys(SHAPES)) {
    it(`${name}: causalLmLoss of the final hidden state in chunks of 1, 4 and all equals the loss of the full logits (value and gradients ≤ 1e-5)`, () => {
      const model = models[name]!;
      const L = model.numLayers;
      const { labels } = data();
      const full = lossAndGrads(model, (h) => causalLmLoss(model.logitLens(h, L), labels), L);
      for (const chunkTokens of [1, 4, 100]) {
        const chunked = lossAndGrads(model, (h) => causalLmLoss({ hidden: h, head: model.lmHeadOf(L) }, labels, { chunkTokens }), L);
        expectSameLoss(chunked, full);
      }
      // The per-token losses ('none') and 'sum' agree too.
      const perToken = (input: Parameters<typeof causalLmLoss>[0], reduction: 'none' | 'sum') =>
        tf.tidy(() => Array.from(causalLmLoss(input, labels, { reduction, chunkTokens: 3 }).dataSync()));
      const h = tf.tidy(() => model.forward(data().ids, { capture: [L], logits: false }).hidden.get(L)!);
      for (const reduction of ['none', 'sum'] as const) {
        const a = perToken({ hidden: h, head: model.lmHeadOf(L) }, reduction);
        const b = tf.tidy(() => perToken(model.logitLens(h, L), reduction));
        expect(relative(a, b)).toBeLessThanOrEqual(1e-5);
      }
      h.dispose();
      labels.dispose();
    });

    it(`${name}: logitLensLoss with the head as data equals the function head, frozen (default) and trained`, () => {
      const model = models[name]!;
      const { labels } = data();
      for (const trainHead of [false, true]) {
        const asFunction = lossAndGrads(model, (h) => logitLensLoss(h, (x, o) => model.logitLens(x, 1, o), labels, { trainHead }), 1);
        const asData = lossAndGrads(model, (h) => logitLensLoss(h, model.lmHeadOf(1), labels, { trainHead, chunkTokens: 5 }), 1);
        expectSameLoss(asData, asFunction);
        // Frozen: the head and final norm get no gradient; trained: they do.
        const headGrad = asData.grads.get(model.params.get('model.norm.weight')!.name);
        expect(headGrad != null && headGrad.some((g) => g !== 0)).toBe(trainHead);
      }
      labels.dispose();
    });
  }

  it('dftObjective with lossChunkTokens gives the losses and gradients of lossChunkTokens 0 (full logits)', () => {
    const model = models.gemma2!;
    const { ids, labels } = data();
    const mask = tf.onesLike(ids) as tf.Tensor2D;
    const seq = { ids, labels, attentionMask: mask };
    const batch = { tft: seq, lc: seq, et: seq };
    const vars = [...model.params.values()];
    const run = (lossChunkTokens: number) => {
      const objective = dftObjective({ method: 'dft-logits', lcLayer: 1, etLayer: 2, lossChunkTokens });
      let terms: number[] = [];
      const { value, grads } = tf.variableGrads(() => {
        const r = objective(model, batch);
        terms = [r.terms.tft, r.terms.lc, r.terms.et].map((t) => t.dataSync()[0]!);
        return r.loss;
      }, vars);
      const g = vars.map((v) => Array.from(grads[v.name]!.dataSync()));
      tf.dispose([value, ...Object.values(grads)]);
      return { terms, grads: g };
    };
    const full = run(0);
    const chunked = run(4);
    chunked.terms.forEach((t, i) => expect(Math.abs(t - full.terms[i]!)).toBeLessThanOrEqual(1e-5 * Math.abs(full.terms[i]!)));
    chunked.grads.forEach((g, i) => expect(relative(g, full.grads[i]!), vars[i]!.name).toBeLessThanOrEqual(1e-5));
    tf.dispose([ids, labels, mask]);
  });

  it('never holds the [tokens, vocab] logits: the peak of a chunked step stays below the full one, and nothing leaks', async () => {
    const config = parseConfig({ model_type: 'llama', vocab_size: 4000, hidden_size: 16, intermediate_size: 24, num_hidden_layers: 1, num_attention_heads: 2 });
    const model = new CausalLM(config, initialParameters(config, 5));
    const time = 64;
    const ids = tf.tensor2d([Array.from({ length: time }, (_, t) => (t * 7) % 4000)], undefined, 'int32');
    const labels = ids.clone();
    const step = (chunkTokens: number) =>
      withPeakBytes(() => {
        const { value, grads } = tf.variableGrads(() => {
          const h = model.forward(ids, { capture: [1], logits: false }).hidden.get(1)!;
          return chunkTokens ? causalLmLoss({ hidden: h, head: model.lmHeadOf(1) }, labels, { chunkTokens }) : causalLmLoss(model.logitLens(h, 1), labels);
        });
        tf.dispose([value, ...Object.values(grads)]);
      });
    const full = (await step(0)).peakBytes;
    const before = tf.memory().numTensors;
    const chunked = (await step(8)).peakBytes;
    expect(tf.memory().numTensors).toBe(before);
    // Full logits [64, 4000] and their gradient are ~1 MB each; a chunk's are an eighth of that.
    const logitsBytes = time * 4000 * 4;
    expect(full - chunked).toBeGreaterThan(logitsBytes);
    tf.dispose([ids, labels]);
    model.dispose();
  });

  it('names bad labels of a chunked head', () => {
    const model = models.llama!;
    const labels = tf.tensor2d([[1, 2, 300]], undefined, 'int32');
    const h = tf.zeros([1, 3, 16]) as tf.Tensor3D;
    expect(() => causalLmLoss({ hidden: h, head: model.lmHeadOf(3) }, labels)).toThrow(/causalLmLoss: labels\[0\]\[2\] = 300: expected -100 \(ignored\) or a token id in \[0, 300\)/);
    tf.dispose([labels, h]);
  });
});
