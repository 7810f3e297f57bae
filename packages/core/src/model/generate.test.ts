import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_BACKENDS, TINY_GEMMA2, TINY_LLAMA, useBackend } from '../test-utils/fixtures.js';
import { generate } from './generate.js';
import type { CausalLM } from './model.js';
import { loadPretrained } from './pretrained.js';
import { applyRepetitionPenalty, sampleToken, seededRandom } from './sampling.js';
import type { Tokenizer } from '@dft/tokenizer';

// wasm, and tensorflow when tfjs-node is there (cpu and native compute what wasm checks, more slowly or alike).
describe.each(TEST_BACKENDS.filter((b) => b === 'wasm' || b === 'tensorflow'))('generate on %s', (backend) => {
  let llama: CausalLM;
  let tok: Tokenizer;
  let gemma: CausalLM;
  beforeAll(async () => {
    await useBackend(backend);
    const p = loadPretrained(TINY_LLAMA);
    llama = p.model;
    tok = p.tokenizer!;
    gemma = loadPretrained(TINY_GEMMA2).model;
  });
  afterAll(() => {
    llama.dispose();
    gemma.dispose();
  });

  it('cached greedy decoding produces exactly the tokens of uncached decoding, batched with left padding', () => {
    const prompts = [tok.encode('Once upon a time'), tok.encode('我喜欢'), tok.encode('def add(a, b):')];
    const before = tf.memory().numTensors;
    const cached = generate(llama, prompts, { maxNewTokens: 12, eosTokenIds: [] });
    expect(tf.memory().numTensors).toBe(before);
    const uncached = generate(llama, prompts, { maxNewTokens: 12, eosTokenIds: [], useCache: false });
    expect(cached.tokens).toEqual(uncached.tokens);
    expect(cached.tokens.map((t) => t.length)).toEqual([12, 12, 12]);
    expect(cached.finishReasons).toEqual(['length', 'length', 'length']);
    // Batching does not change a row's tokens.
    const alone = generate(llama, [prompts[1]], { maxNewTokens: 12, eosTokenIds: [] });
    expect(alone.tokens[0]).toEqual(cached.tokens[1]);
  });

  it('greedy tokens are the argmax of a plain forward pass, step by step (Gemma-2 past its sliding window)', () => {
    const prompt = [2, 40, 77, 500, 12, 9, 800];
    const { tokens } = generate(gemma, [prompt], { maxNewTokens: 6, eosTokenIds: [] });
    const seq = [...prompt];
    for (let i = 0; i < 6; i++) {
      const next = tf.tidy(() => {
        const logits = gemma.forward(tf.tensor2d([seq], undefined, 'int32')).logits!;
        return tf.argMax(tf.slice(tf.squeeze(logits, [0]), [seq.length - 1, 0], [1, -1]), 1).dataSync()[0];
      });
      seq.push(next);
    }
    expect(tokens[0]).toEqual(seq.slice(prompt.length));
  });

  it('repetition_penalty as transformers: seen tokens\' logits divided (> 0) or multiplied (< 0), batched with left padding', () => {
    const row = new Float32Array([2, -2, 0.5, 3]);
    applyRepetitionPenalty(row, [0, 1, 0], 2);
    expect(Array.from(row)).toEqual([1, -4, 0.5, 3]);
    // The random-weight fixture seldom repeats itself, so a penalty below 1 (which favours seen tokens) is what
    // visibly changes its choices; the formula is the same for both directions.
    const penalty = 0.05;
    const prompts = [tok.encode('the the the the'), tok.encode('1, 2, 1,')];
    const { tokens } = generate(llama, prompts, { maxNewTokens: 6, eosTokenIds: [], repetitionPenalty: penalty });
    const plain = generate(llama, prompts, { maxNewTokens: 6, eosTokenIds: [] });
    expect(tokens).not.toEqual(plain.tokens);
    prompts.forEach((prompt, b) => {
      const seq = [...prompt];
      for (let i = 0; i < 6; i++) {
        const logits = tf.tidy(() => tf.slice(tf.squeeze(llama.forward(tf.tensor2d([seq], undefined, 'int32')).logits!, [0]), [seq.length - 1, 0], [1, -1]).dataSync() as Float32Array);
        for (const id of new Set(seq)) logits[id] = logits[id] > 0 ? logits[id] / penalty : logits[id] * penalty;
        let best = 0;
        for (let v = 1; v < logits.length; v++) if (logits[v] > logits[best]) best = v;
        seq.push(best);
      }
      expect(tokens[b]).toEqual(seq.slice(prompt.length));
    });
  });

  it('stops at EOS and at stop strings, cutting the text before the stop string', () => {
    const prompt = tok.encode('Hello world, how');
    const free = generate(llama, [prompt], { maxNewTokens: 8, eosTokenIds: [], tokenizer: tok });
    const firstTok = free.tokens[0][0];
    const eos = generate(llama, [prompt], { maxNewTokens: 8, eosTokenIds: [firstTok] });
    expect(eos.tokens[0]).toEqual([]);
    expect(eos.finishReasons[0]).toBe('eos');
    const text = free.texts![0];
    const stop = text.slice(Math.floor(text.length / 2), Math.floor(text.length / 2) + 2);
    const stopped = generate(llama, [prompt], { maxNewTokens: 8, eosTokenIds: [], tokenizer: tok, stop: [stop] });
    expect(stopped.finishReasons[0]).toBe('stop');
    expect(stopped.texts![0]).toBe(text.slice(0, text.indexOf(stop)));
  });

  it('sampling is reproducible with a seed and differs across seeds', () => {
    const prompt = [tok.encode('The')];
    const a = generate(llama, prompt, { maxNewTokens: 10, temperature: 1.5, seed: 7, eosTokenIds: [] });
    const b = generate(llama, prompt, { maxNewTokens: 10, temperature: 1.5, seed: 7, eosTokenIds: [] });
    const c = generate(llama, prompt, { maxNewTokens: 10, temperature: 1.5, seed: 8, eosTokenIds: [] });
    expect(a.tokens).toEqual(b.tokens);
    expect(a.tokens).not.toEqual(c.tokens);
  });
});

describe('sampleToken', () => {
  const row = Float32Array.from([0, Math.log(2), Math.log(4), Math.log(8), -50]); // probs ∝ 1, 2, 4, 8, ~0
  it('temperature 0 is argmax; topK 1 and a tiny topP are argmax too', () => {
    const r = seededRandom(1);
    expect(sampleToken(row, { temperature: 0, topP: 1, topK: 0 }, r)).toBe(3);
    for (let i = 0; i < 20; i++) {
      expect(sampleToken(row, { temperature: 1, topP: 1, topK: 1 }, r)).toBe(3);
      expect(sampleToken(row, { temperature: 1, topP: 0.1, topK: 0 }, r)).toBe(3);
    }
  });
  it('draws with the softmax frequencies; top-p keeps the nucleus only', () => {
    const r = seededRandom(3);
    const counts = [0, 0, 0, 0, 0];
    const N = 20000;
    for (let i = 0; i < N; i++) counts[sampleToken(row, { temperature: 1, topP: 1, topK: 0 }, r)]++;
    [1, 2, 4, 8].forEach((w, i) => expect(Math.abs(counts[i] / N - w / 15)).toBeLessThan(0.015));
    const nucleus = new Set<number>();
    // 8/15 + 4/15 = 0.8 ≥ 0.75: only tokens 3 and 2 survive.
    for (let i = 0; i < 500; i++) nucleus.add(sampleToken(row, { temperature: 1, topP: 0.75, topK: 0 }, r));
    expect([...nucleus].sort()).toEqual([2, 3]);
  });
});
