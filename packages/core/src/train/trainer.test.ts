import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../model/config.js';
import { initialParameters } from '../model/init.js';
import { CausalLM } from '../model/model.js';
import { loadPretrained } from '../model/pretrained.js';
import type { BackendName } from '../backend/select-backend.js';
import { TEST_BACKENDS, useBackend } from '../test-utils/fixtures.js';
import { AdamW } from './adamw.js';
import { learningRate } from './lr-schedule.js';
import { runTraining, type SourceBatch } from './run-training.js';
import { NonFiniteLossError, Trainer, type LossFn } from './trainer.js';
import { listCheckpoints, readTrainerState, resolveCheckpoint, restoreOptimizer } from './training-checkpoint.js';

const CONFIG = parseConfig({
  model_type: 'llama',
  vocab_size: 50,
  hidden_size: 16,
  intermediate_size: 24,
  num_hidden_layers: 2,
  num_attention_heads: 2,
  num_key_value_heads: 1,
  max_position_embeddings: 64,
  initializer_range: 0.2,
});
const T = 8;

function newModel(seed = 1) {
  return new CausalLM(CONFIG, initialParameters(CONFIG, seed));
}

/** Example i of a deterministic toy corpus: a repeating pattern the model can learn. */
function example(i: number): number[] {
  return Array.from({ length: T }, (_, t) => (i * 7 + t * 3) % CONFIG.vocabSize);
}

type Batch = number[][];
const ce: LossFn<Batch> = (model, rows) => {
  const ids = tf.tensor2d(rows, undefined, 'int32');
  const logits = model.forward(ids).logits!;
  const B = rows.length;
  const pred = tf.reshape(tf.slice(logits, [0, 0, 0], [B, T - 1, -1]), [-1, CONFIG.vocabSize]);
  const labels = tf.oneHot(tf.reshape(tf.slice(ids, [0, 1], [B, T - 1]), [-1]), CONFIG.vocabSize);
  const loss = tf.neg(tf.mean(tf.sum(tf.mul(labels, tf.logSoftmax(pred)), -1))) as tf.Scalar;
  return { loss, terms: { tft: loss } };
};

/** Micro-batches of `size` examples starting at example `from`; position = next example index. */
function* source(size: number, from = 0): Generator<SourceBatch<Batch>> {
  for (let i = from; ; i += size) {
    const batch = Array.from({ length: size }, (_, k) => example(i + k));
    yield { batch, weight: size, tokens: size * T, epoch: 0, position: i + size };
  }
}

const OPTS = { lr: 1e-2, totalSteps: 10, warmupSteps: 2, schedule: 'cosine' as const, maxGradNorm: 1, weightDecay: 0.01 };
const made: string[] = [];
const tmp = () => {
  const dir = mkdtempSync(join(tmpdir(), 'dft-train-'));
  made.push(dir);
  return dir;
};
afterAll(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

function weights(model: CausalLM): Float32Array[] {
  return [...model.params.values()].map((p) => p.dataSync() as Float32Array);
}

describe('Trainer', () => {
  beforeAll(() => useBackend('cpu'));

  it('same seed ⇒ identical losses for 5 steps; the loss falls', async () => {
    const run = async () => {
      const model = newModel(3);
      const tr = new Trainer(model, ce, OPTS);
      const it = source(4);
      const losses: number[] = [];
      for (let s = 0; s < 5; s++) losses.push((await tr.step([it.next().value])).loss);
      tr.dispose();
      model.dispose();
      return losses;
    };
    const a = await run();
    expect(await run()).toEqual(a);
    expect(a[4]).toBeLessThan(a[0]);
  });

  it('4 micro-batches of 2 give the weights of one batch of 8 (≤ 1e-5)', async () => {
    const a = newModel(5);
    const b = newModel(5);
    const ta = new Trainer(a, ce, OPTS);
    const tb = new Trainer(b, ce, OPTS);
    const small = source(2);
    const big = source(8);
    for (let s = 0; s < 3; s++) {
      await ta.step(Array.from({ length: 4 }, () => small.next().value));
      await tb.step([big.next().value]);
    }
    const wa = weights(a);
    const wb = weights(b);
    let worst = 0;
    wa.forEach((w, i) => w.forEach((x, j) => (worst = Math.max(worst, Math.abs(x - wb[i][j])))));
    expect(worst).toBeLessThanOrEqual(1e-5);
    expect(worst).toBeGreaterThanOrEqual(0);
  });

  it('AdamW matches a hand-computed update (decoupled decay, bias correction)', () => {
    const p = tf.variable(tf.tensor1d([1, -2]), true, 'adamw-p');
    const params = new Map([['w', p]]);
    const opt = new AdamW({ weightDecay: 0.1, noDecay: () => false });
    const lr = 0.5;
    opt.apply(params, new Map([['w', tf.tensor1d([0.5, -1])]]), lr);
    // t=1: m̂ = g, v̂ = g², update = g/(|g| + ε) ≈ sign(g); p ← p(1 − lr·wd) − lr·sign(g).
    expect(Array.from(p.dataSync())[0]).toBeCloseTo(1 * (1 - 0.05) - 0.5 * (0.5 / (0.5 + 1e-8)), 6);
    expect(Array.from(p.dataSync())[1]).toBeCloseTo(-2 * (1 - 0.05) + 0.5 * (1 / (1 + 1e-8)), 6);
    opt.apply(params, new Map([['w', tf.tensor1d([1, 1])]]), lr);
    // t=2 for the first entry (now 0.95 − 0.5 = 0.45): m = 0.9·0.05 + 0.1·1, v = 0.999·0.00025 + 0.001·1.
    const m = 0.9 * 0.05 + 0.1 * 1;
    const v = 0.999 * 0.00025 + 0.001 * 1;
    const p1 = 0.45 * (1 - 0.05) - lr * (m / (1 - 0.81)) / (Math.sqrt(v / (1 - 0.998001)) + 1e-8);
    expect(p.dataSync()[0]).toBeCloseTo(p1, 5);
    opt.dispose();
    p.dispose();
  });

  it('learning-rate schedules follow the transformers formulas', () => {
    const o = { lr: 2e-5, warmupSteps: 3, totalSteps: 100 };
    expect(learningRate(0, { ...o, kind: 'cosine' })).toBe(0);
    expect(learningRate(1, { ...o, kind: 'cosine' })).toBeCloseTo(2e-5 / 3, 12);
    expect(learningRate(3, { ...o, kind: 'cosine' })).toBeCloseTo(2e-5, 12);
    expect(learningRate(3 + 97 / 2, { ...o, kind: 'cosine' })).toBeCloseTo(1e-5, 12);
    expect(learningRate(100, { ...o, kind: 'cosine' })).toBeCloseTo(0, 12);
    expect(learningRate(3 + 97 / 4, { ...o, kind: 'linear' })).toBeCloseTo(1.5e-5, 12);
    expect(learningRate(50, { ...o, kind: 'constant' })).toBe(2e-5);
  });

  it('frozen parameters (by pattern) do not move; the others do', async () => {
    const model = newModel(2);
    const before = new Map([...model.params].map(([n, p]) => [n, Float32Array.from(p.dataSync())]));
    const tr = new Trainer(model, ce, { ...OPTS, freeze: ['model.embed_tokens.weight', 'model.layers.*.mlp.**'] });
    await tr.step([source(4).next().value]);
    await tr.step([source(4, 4).next().value]);
    for (const [name, p] of model.params) {
      const same = p.dataSync().every((x, i) => x === before.get(name)![i]);
      expect(same, name).toBe(name === 'model.embed_tokens.weight' || /^model\.layers\.\d+\.mlp\./.test(name));
    }
    tr.dispose();
    model.dispose();
  });

  it('no tensor leak across 20 steps (with accumulation and clipping), nor after dispose', async () => {
    const start = tf.memory();
    const model = newModel(4);
    const tr = new Trainer(model, ce, OPTS);
    const it = source(2);
    await tr.step([it.next().value, it.next().value]);
    const before = tf.memory().numTensors;
    for (let s = 0; s < 20; s++) await tr.step([it.next().value, it.next().value]);
    expect(tf.memory().numTensors).toBe(before);
    // Restoring moments (a resume) keeps their count; disposing returns to where the test began.
    const state = await tr.optimizer.stateTensors();
    tr.optimizer.loadState(tr.optimizer.step, (name) => state.find((t) => t.name === name)?.data, model.params);
    expect(tf.memory().numTensors).toBe(before);
    tr.dispose();
    model.dispose();
    expect([tf.memory().numTensors, tf.memory().numBytes]).toEqual([start.numTensors, start.numBytes]);
  });

  it('a parameter the loss does not reach gets a zero gradient: it stays where it was, the others move', async () => {
    const model = newModel(7);
    const before = new Map([...model.params].map(([n, p]) => [n, Float32Array.from(p.dataSync())]));
    // Only layer 0's output feeds this loss: layer 1, the final norm and the head receive no gradient from tfjs.
    const lowLayers: LossFn<Batch> = (m, rows) => {
      const ids = tf.tensor2d(rows, undefined, 'int32');
      const out = m.forward(ids, { capture: [1], stopAtLayer: 1 });
      return { loss: tf.mean(tf.square(out.hidden.get(1)!)) as tf.Scalar };
    };
    const tr = new Trainer(model, lowLayers, { ...OPTS, weightDecay: 0, warmupSteps: 0 });
    const stats = await tr.step([source(2).next().value]);
    expect(Number.isFinite(stats.gradNorm)).toBe(true);
    for (const [name, p] of model.params) {
      const same = p.dataSync().every((x, i) => x === before.get(name)![i]);
      expect(same, name).toBe(!/^model\.(embed_tokens|layers\.0)\./.test(name));
    }
    tr.dispose();
    model.dispose();
  });

  it('a NaN loss stops with a clear error and leaves the weights untouched', async () => {
    const model = newModel(6);
    const before = weights(model).map((w) => Float32Array.from(w));
    const nanLoss: LossFn<Batch> = (m, b) => ({ loss: tf.mul(ce(m, b).loss, NaN) as tf.Scalar });
    const tr = new Trainer(model, nanLoss, OPTS);
    await expect(tr.step([source(2).next().value])).rejects.toThrow(NonFiniteLossError);
    await expect(tr.step([source(2).next().value])).rejects.toThrow(/training diverged at step 1: the loss is NaN/);
    expect(weights(model)).toEqual(before);
    tr.dispose();
    model.dispose();
  });
});

describe('runTraining: checkpoints and resume', () => {
  beforeAll(() => useBackend('cpu'));

  async function run(outDir: string, maxSteps: number, resumeFrom?: string) {
    let model: CausalLM;
    let resumed;
    if (resumeFrom) {
      const dir = resolveCheckpoint(resumeFrom, outDir);
      resumed = readTrainerState(dir);
      model = loadPretrained(dir).model;
    } else {
      model = newModel(9);
    }
    const trainer = new Trainer(model, ce, OPTS);
    if (resumeFrom) restoreOptimizer(resolveCheckpoint(resumeFrom, outDir), trainer.optimizer, model, resumed!.step);
    const result = await runTraining({
      trainer,
      source: source(2, (resumed?.dataPosition as number | undefined) ?? 0),
      accumulation: 2,
      maxSteps,
      outDir,
      saveEvery: 1,
      keepLast: 2,
      seed: 9,
      config: { test: true },
      resumed,
      handleSignals: false,
    });
    trainer.dispose();
    model.dispose();
    return result;
  }

  it('stopping at step 3 and resuming gives the losses of the uninterrupted run at steps 4–6 (≤ 1e-6)', async () => {
    const full = await run(tmp(), 6);
    const out = tmp();
    const first = await run(out, 3);
    expect(first.steps).toBe(3);
    const second = await run(out, 6, 'latest');
    expect(second.log.map((r) => r.step)).toEqual([1, 2, 3, 4, 5, 6]);
    for (let s = 3; s < 6; s++) expect(Math.abs(second.log[s].loss - full.log[s].loss)).toBeLessThanOrEqual(1e-6);
    // keepLast 2; log.jsonl holds one line per step; the checkpoint has HF files, moments and state.
    expect(listCheckpoints(out).map((d) => d.split('/').pop())).toEqual(['step-000005', 'step-000006']);
    const lines = readFileSync(join(out, 'log.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => l.step)).toEqual([1, 2, 3, 4, 5, 6]);
    for (const key of ['loss', 'tft', 'lr', 'gradNorm', 'tokens', 'tokPerS', 'elapsedS']) expect(Number.isFinite(lines[5][key])).toBe(true);
    expect(readdirSync(second.lastCheckpoint!).sort()).toEqual(['config.json', 'model.safetensors', 'optimizer.safetensors', 'trainer_state.json']);
    expect(readTrainerState(second.lastCheckpoint!)).toMatchObject({ step: 6, dataPosition: 24, seed: 9, config: { test: true } });
  });

  it('names a missing checkpoint when resuming', () => {
    const out = tmp();
    expect(() => resolveCheckpoint('latest', out)).toThrow(`resume: no checkpoint under ${out}`);
    expect(() => resolveCheckpoint(out, out)).toThrow('is not a training checkpoint');
  });
});

// native runs the fused AdamW and token-NLL kernels; tensorflow runs tfjs-node's kernels through the composite ops.
describe.each(TEST_BACKENDS.filter((b) => b === 'native' || b === 'tensorflow'))('Trainer on the %s backend', (backend) => {
  it('3 steps give the weights of the cpu backend (≤ 1e-5)', async () => {
    const run = async (b: BackendName) => {
      await useBackend(b);
      const model = newModel(11);
      const tr = new Trainer(model, ce, OPTS);
      const it = source(4);
      for (let s = 0; s < 3; s++) await tr.step([it.next().value]);
      const w = weights(model).map((x) => Float32Array.from(x));
      tr.dispose();
      model.dispose();
      return w;
    };
    const cpu = await run('cpu');
    const other = await run(backend);
    let worst = 0;
    cpu.forEach((w, i) => w.forEach((x, j) => (worst = Math.max(worst, Math.abs(x - other[i][j])))));
    expect(worst).toBeLessThanOrEqual(1e-5);
    await useBackend('cpu');
  });
});
