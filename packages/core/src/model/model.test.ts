import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spyOnLayers, TEST_BACKENDS, TINY_GEMMA2, TINY_LLAMA, useBackend, read } from '../test-utils/fixtures.js';
import { KVCache } from './kv-cache.js';
import type { CausalLM } from './model.js';
import { loadPretrained } from './pretrained.js';

const SEQ = [2, 17, 301, 5, 999, 64, 88, 7, 412, 3, 250, 19, 600, 31]; // 14 tokens: longer than Gemma's window of 8

function logitsOf(model: CausalLM, rows: number[][], mask?: number[][]): Float32Array {
  return read(() => {
    const ids = tf.tensor2d(rows, undefined, 'int32');
    const attentionMask = mask ? tf.tensor2d(mask, undefined, 'int32') : undefined;
    return model.forward(ids, { attentionMask }).logits!;
  });
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

describe.each(TEST_BACKENDS)('CausalLM on %s', (backend) => {
  for (const [name, dir] of [['tiny-llama', TINY_LLAMA], ['tiny-gemma2', TINY_GEMMA2]] as const) {
    describe(name, () => {
      let model: CausalLM;
      beforeAll(async () => {
        await useBackend(backend);
        model = loadPretrained(dir).model;
      });
      afterAll(() => model.dispose());

      it('left and right padding give the unpadded logits for real tokens', () => {
        const V = model.config.vocabSize;
        const T = SEQ.length;
        const plain = logitsOf(model, [SEQ]);
        const pad = 0;
        const P = 5;
        const right = logitsOf(model, [[...SEQ, ...Array(P).fill(pad)], [...SEQ.slice(0, T - P), ...Array(2 * P).fill(pad)]], [
          [...Array(T).fill(1), ...Array(P).fill(0)],
          [...Array(T - P).fill(1), ...Array(2 * P).fill(0)],
        ]);
        const left = logitsOf(model, [[...Array(P).fill(pad), ...SEQ]], [[...Array(P).fill(0), ...Array(T).fill(1)]]);
        const W = T + P;
        expect(maxAbsDiff(right.subarray(0, T * V), plain)).toBeLessThan(1e-4);
        expect(maxAbsDiff(right.subarray(W * V, (W + T - P) * V), plain.subarray(0, (T - P) * V))).toBeLessThan(1e-4);
        expect(maxAbsDiff(left.subarray(P * V, W * V), plain)).toBeLessThan(1e-4);
        expect(Array.from(right).every(Number.isFinite)).toBe(true);
      });

      it('stopAtLayer runs only layers 1..k, computes no logits and matches the full pass', () => {
        const L = model.numLayers;
        const layers = spyOnLayers(model);
        const ids = tf.tensor2d([SEQ], undefined, 'int32');
        const partial = model.forward(ids, { stopAtLayer: 1, capture: [0, 1] });
        expect(layers.ran).toEqual([0]);
        expect(partial.logits).toBeUndefined();
        layers.ran.length = 0;
        const full = model.forward(ids, { capture: 'all' });
        expect(layers.ran).toEqual(Array.from({ length: L }, (_, i) => i));
        layers.restore();
        for (const k of [0, 1]) {
          expect(maxAbsDiff(partial.hidden.get(k)!.dataSync(), full.hidden.get(k)!.dataSync())).toBe(0);
        }
        tf.dispose([ids, ...partial.hidden.values(), ...full.hidden.values(), full.logits!]);
      });

      it('rejects layer indices out of range, naming them', () => {
        const ids = tf.tensor2d([SEQ.slice(0, 3)], undefined, 'int32');
        const L = model.numLayers;
        expect(() => model.forward(ids, { stopAtLayer: L + 1 })).toThrow(`stopAtLayer ${L + 1} is out of range 0..${L}`);
        expect(() => model.forward(ids, { capture: [L + 2] })).toThrow(`capture layer ${L + 2} is out of range 0..${L}`);
        expect(() => model.forward(ids, { capture: [-1] })).toThrow('capture layer -1 is out of range');
        expect(() => model.forward(ids, { stopAtLayer: 1, capture: [2] })).toThrow('capture layer 2 is above stopAtLayer 1');
        expect(() => model.logitLens(tf.zeros([1, 1, model.config.hiddenSize]), L + 1)).toThrow(`layer ${L + 1} is out of range`);
        ids.dispose();
      });

      it('a KV cache fed token by token gives the logits of one full pass', () => {
        const V = model.config.vocabSize;
        const full = logitsOf(model, [SEQ]);
        const cache = new KVCache(model.numLayers);
        const before = tf.memory().numTensors;
        let worst = 0;
        // Prompt of 4 tokens, then one token at a time past the sliding window.
        const chunks = [SEQ.slice(0, 4), ...SEQ.slice(4).map((t) => [t])];
        let at = 0;
        for (const chunk of chunks) {
          const got = read(() => model.forward(tf.tensor2d([chunk], undefined, 'int32'), { cache }).logits!);
          worst = Math.max(worst, maxAbsDiff(got, full.subarray(at * V, (at + chunk.length) * V)));
          at += chunk.length;
        }
        expect(worst).toBeLessThan(1e-4);
        expect(cache.length).toBe(SEQ.length);
        cache.dispose();
        expect(tf.memory().numTensors).toBe(before);
      });

      it('the frozen logit lens passes gradient to h but none to the final norm and head weights', () => {
        const L = model.numLayers;
        const ids = tf.tensor2d([SEQ.slice(0, 6)], undefined, 'int32');
        const h = model.forward(ids, { stopAtLayer: 1, capture: [1] }).hidden.get(1)!;
        const headName = model.config.tieWordEmbeddings ? 'model.embed_tokens.weight' : 'lm_head.weight';
        const weights = [model.params.get('model.norm.weight')!, model.params.get(headName)!];
        const sumSq = (frozen: boolean) => () => tf.sum(tf.square(model.logitLens(h, 1, { frozen }))) as tf.Scalar;
        const gradNorms = (frozen: boolean) =>
          tf.tidy(() => {
            const { grads } = tf.variableGrads(sumSq(frozen), weights);
            // A frozen head is a constant of the backward pass: its weight gets no gradient at all (absent = zero).
            return weights.map((w) => (grads[w.name] ? tf.sum(tf.abs(grads[w.name]!)).dataSync()[0] : 0));
          });
        expect(gradNorms(true)).toEqual([0, 0]);
        for (const g of gradNorms(false)) expect(g).toBeGreaterThan(0);
        const dh = tf.tidy(() => tf.sum(tf.abs(tf.grad((x: tf.Tensor) => tf.sum(model.lmHead(x as tf.Tensor3D, { frozen: true })))(h))).dataSync()[0]);
        expect(dh).toBeGreaterThan(0);
        expect(L).toBeGreaterThan(1);
        tf.dispose([ids, h]);
      });

      it('forward leaves no tensors behind beyond its outputs', () => {
        const ids = tf.tensor2d([SEQ], undefined, 'int32');
        const before = tf.memory().numTensors;
        for (let i = 0; i < 3; i++) {
          const out = model.forward(ids, { capture: [1] });
          tf.dispose([out.logits!, ...out.hidden.values()]);
        }
        expect(tf.memory().numTensors).toBe(before);
        ids.dispose();
      });
    });
  }
});

describe('full-width attention masks with a KV cache', () => {
  it('hiding a cached slot through the full mask equals a pass without that token', async () => {
    await useBackend('cpu');
    const model = loadPretrained(TINY_LLAMA).model;
    const V = model.config.vocabSize;
    // Context [a b c], hidden choice [x], then [y]: y must see a b c only, as in a pass over [a b c y].
    const ctx = [1, 450, 4996];
    const reference = read(() => model.forward(tf.tensor2d([[...ctx, 17]], undefined, 'int32')).logits!).subarray(3 * V);
    const cache = new KVCache(model.numLayers);
    tf.tidy(() => model.forward(tf.tensor2d([[...ctx, 999]], undefined, 'int32'), { cache }).logits!).dispose();
    const got = read(() =>
      model.forward(tf.tensor2d([[17]], undefined, 'int32'), { cache, attentionMask: tf.tensor2d([[1, 1, 1, 0, 1]], undefined, 'int32') }).logits!,
    );
    expect(maxAbsDiff(got, reference)).toBeLessThan(1e-4);
    cache.dispose();
    model.dispose();
  });
});
