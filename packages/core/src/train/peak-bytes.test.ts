import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../model/config.js';
import { initialParameters } from '../model/init.js';
import { CausalLM } from '../model/model.js';
import { TEST_BACKENDS, useBackend } from '../test-utils/fixtures.js';
import { withPeakBytes } from './peak-bytes.js';
import { runTraining, type SourceBatch } from './run-training.js';
import { Trainer, type LossFn } from './trainer.js';

const CONFIG = parseConfig({
  model_type: 'llama',
  vocab_size: 64,
  hidden_size: 16,
  intermediate_size: 32,
  num_hidden_layers: 2,
  num_attention_heads: 2,
  num_key_value_heads: 1,
  max_position_embeddings: 256,
});

/** Next-token cross-entropy over every position of the rows (all the same length). */
const nextTokenLoss: LossFn<number[][]> = (model, rows) => {
  const ids = tf.tensor2d(rows, undefined, 'int32');
  const [b, t] = ids.shape;
  const logits = model.forward(ids).logits!;
  const pred = tf.reshape(tf.slice(logits, [0, 0, 0], [b, t - 1, -1]), [-1, CONFIG.vocabSize]);
  const target = tf.oneHot(tf.reshape(tf.slice(ids, [0, 1], [b, t - 1]), [-1]), CONFIG.vocabSize);
  return { loss: tf.neg(tf.mean(tf.sum(tf.mul(target, tf.logSoftmax(pred)), -1))) as tf.Scalar };
};

const rows = (batch: number, time: number) =>
  Array.from({ length: batch }, (_, b) => Array.from({ length: time }, (_, t) => (b * 5 + t * 3) % CONFIG.vocabSize));

const weightBytes = (model: CausalLM) => [...model.params.values()].reduce((s, p) => s + p.size * 4, 0);

describe('withPeakBytes', () => {
  it('reports the high-water mark of tf.memory().numBytes, not the level at the end', async () => {
    await useBackend('cpu');
    const base = tf.memory().numBytes;
    const { result, peakBytes } = await withPeakBytes(() => {
      const a = tf.zeros([100]); // 400 B
      const b = tf.zeros([50]); // +200 B → peak
      a.dispose();
      b.dispose();
      return tf.zeros([10]); // 40 B remain
    });
    expect(peakBytes).toBe(base + 600);
    expect(tf.memory().numBytes).toBe(base + 40);
    // Nested: the inner peak counts towards the outer one, and the outer one's own allocations too.
    const outer = await withPeakBytes(async () => {
      const inner = await withPeakBytes(() => tf.tidy(() => {
        const z = tf.zeros([200]);
        tf.add(z, z).dispose();
      }));
      const big = tf.zeros([300]);
      big.dispose();
      return inner.peakBytes;
    });
    expect(outer.result).toBe(base + 40 + 1600);
    expect(outer.peakBytes).toBe(base + 40 + 1600);
    result.dispose();
  });
});

describe.each(TEST_BACKENDS)('Trainer.step peakBytes on the %s backend', (backend) => {
  it('is at least the weights and moments, and grows with the sequence length', async () => {
    await useBackend(backend);
    const model = new CausalLM(CONFIG, initialParameters(CONFIG, 1));
    const trainer = new Trainer(model, nextTokenLoss, { lr: 1e-3, totalSteps: 10 });
    const peak = async (time: number) => (await trainer.step([{ batch: rows(2, time), weight: 2 }])).peakBytes;
    const first = await peak(16);
    // After the first step the AdamW moments (2 × the weights) are alive during every step.
    const short = await peak(16);
    const long = await peak(128);
    expect(first).toBeGreaterThan(weightBytes(model));
    expect(short).toBeGreaterThan(3 * weightBytes(model));
    expect(long).toBeGreaterThan(short);
    trainer.dispose();
    model.dispose();
  });
});

describe('runTraining log rows', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dft-peak-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('carry peakBytes of their step in log.jsonl', async () => {
    await useBackend('cpu');
    const model = new CausalLM(CONFIG, initialParameters(CONFIG, 2));
    const trainer = new Trainer(model, nextTokenLoss, { lr: 1e-3, totalSteps: 2 });
    function* source(): Generator<SourceBatch<number[][]>> {
      for (let i = 0; ; i++) yield { batch: rows(2, 8 * (i + 1)), weight: 2, tokens: 16 * (i + 1), epoch: 0, position: i };
    }
    const result = await runTraining({
      trainer, source: source(), accumulation: 1, maxSteps: 2, outDir: dir, seed: 1, config: {}, handleSignals: false,
    });
    const lines = readFileSync(join(dir, 'log.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => l.peakBytes)).toEqual(result.log.map((r) => r.peakBytes));
    expect(lines[0].peakBytes).toBeGreaterThan(weightBytes(model));
    expect(lines[1].peakBytes).toBeGreaterThan(lines[0].peakBytes);
    trainer.dispose();
    model.dispose();
  });
});
