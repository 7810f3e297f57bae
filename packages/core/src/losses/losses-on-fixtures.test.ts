// The losses and the DFT objective of @dft/losses on the real model and the tiny LLaMA / Gemma-2 reference
// fixtures, with a batch padded by @dft/data and turned into tensors as the training job does.
import { causalLmLoss, dftObjective, logitLensLoss, type DftBatch, type DftObjectiveOptions, type ForwardOptions } from '@dft/losses';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CausalLM } from '../model/model.js';
import { loadPretrained } from '../model/pretrained.js';
import { FIXTURES, readReference, spyOnLayers, toleranceExcess, useBackend } from '../test-utils/fixtures.js';
import { disposeDftBatch, toyDftBatch } from '../test-utils/toy-dft-batch.js';

const scalar = (t: tf.Tensor): number => t.dataSync()[0]!;

/** The fixtures' tolerance (docs/design.md, "Numerics and tolerances"): |a - ref| <= 2e-4 + 1e-5·|ref|. */
function expectNear(actual: number, ref: number): void {
  expect(toleranceExcess([actual], [ref]).excess).toBeLessThanOrEqual(0);
}

/** Records, per model.forward call, its options and the decoder layers (HF 1-based) that really ran. */
function recordPasses(model: CausalLM): { calls: { opts: ForwardOptions; ran: number[] }[]; restore: () => void } {
  const layers = spyOnLayers(model);
  const calls: { opts: ForwardOptions; ran: number[] }[] = [];
  const instance = model as unknown as { forward: CausalLM['forward'] };
  const forward = instance.forward;
  instance.forward = function (this: CausalLM, ids, opts = {}) {
    const from = layers.ran.length;
    try {
      return forward.call(this, ids, opts);
    } finally {
      calls.push({ opts, ran: layers.ran.slice(from).map((i) => i + 1) });
    }
  };
  return { calls, restore: () => void (layers.restore(), delete (instance as Partial<typeof instance>).forward) };
}

beforeAll(() => useBackend('cpu'));

describe.each(['tiny-llama', 'tiny-gemma2'])('losses on the core model: %s', (name) => {
  let model: CausalLM;
  let L: number;
  let batch: DftBatch;
  const reference = readReference(FIXTURES + name);

  beforeAll(() => {
    batch = toyDftBatch();
    model = loadPretrained(FIXTURES + name, { log: null }).model;
    L = model.numLayers;
  });
  afterAll(() => {
    model.dispose();
    disposeDftBatch(batch);
  });

  it('causalLmLoss of the model logits reproduces the fixture NLL (PyTorch/HF reference), in one padded batch', () => {
    const seqs = reference.sequences;
    const T = Math.max(...seqs.map((q) => q.length));
    const pad = (q: number[], v: number) => [...q, ...new Array<number>(T - q.length).fill(v)];
    tf.tidy(() => {
      const ids = tf.tensor2d(seqs.map((q) => pad(q, 0)), undefined, 'int32');
      const attentionMask = tf.tensor2d(seqs.map((q) => pad(q.map(() => 1), 0)), undefined, 'int32');
      const labels = tf.tensor2d(seqs.map((q) => pad(q, -100)), undefined, 'int32');
      const logits = model.forward(ids, { attentionMask }).logits!;
      const perToken = causalLmLoss(logits, labels, { reduction: 'none' }).arraySync() as number[][];
      seqs.forEach((q, s) => {
        const real = perToken[s]!.slice(0, q.length - 1);
        real.forEach((v, t) => expectNear(v, reference.nll_per_token[s]![t]!));
        expectNear(real.reduce((a, b) => a + b, 0) / real.length, reference.nll_mean[s]!);
        expect(perToken[s]!.slice(q.length - 1).every((v) => v === 0)).toBe(true);
      });
      // 'mean' = the token-weighted mean of the reference values.
      const all = reference.nll_per_token.flat();
      expectNear(scalar(causalLmLoss(logits, labels)), all.reduce((a, b) => a + b, 0) / all.length);
    });
  });

  it('logitLensLoss at the last layer equals causalLmLoss of the logits (and differs one layer below)', () => {
    tf.tidy(() => {
      const { ids, attentionMask, labels } = batch.tft!;
      const out = model.forward(ids, { attentionMask, capture: [L - 1, L] });
      const ce = scalar(causalLmLoss(out.logits!, labels));
      const lensAt = (k: number) => scalar(logitLensLoss(out.hidden.get(k)!, (h, o) => model.logitLens(h, k, o), labels));
      expect(Math.abs(lensAt(L) - ce)).toBeLessThan(1e-5 * Math.max(1, ce));
      expect(Math.abs(lensAt(L - 1) - ce)).toBeGreaterThan(1e-3);
    });
  });

  it('the logit-lens head and final norm get exactly zero gradient by default, a real one with trainHead', () => {
    const headName = model.config.tieWordEmbeddings ? 'model.embed_tokens.weight' : 'lm_head.weight';
    const weights = [model.params.get('model.norm.weight')!, model.params.get(headName)!];
    const { ids, attentionMask, labels } = batch.lc!;
    // States computed outside the tape: only the lens is differentiated here.
    const h = tf.tidy(() => model.forward(ids, { attentionMask, capture: [1], stopAtLayer: 1 }).hidden.get(1)!);
    const lens = (trainHead: boolean) =>
      tf.variableGrads(() => logitLensLoss(h, (x, o) => model.logitLens(x, 1, o), labels, { trainHead }), weights);
    const frozen = lens(false);
    const trained = lens(true);
    const maxAbs = (t: tf.Tensor) => tf.tidy(() => scalar(tf.max(tf.abs(t))));
    for (const w of weights) {
      // Absent (the frozen head is a constant of the backward pass) or all zeros (the stopped norm gain).
      expect(frozen.grads[w.name] ? maxAbs(frozen.grads[w.name]!) : 0).toBe(0);
      expect(maxAbs(trained.grads[w.name]!)).toBeGreaterThan(1e-6);
    }
    tf.dispose([h, frozen.value, trained.value, ...Object.values(frozen.grads), ...Object.values(trained.grads)]);
  });

  /** Runs the objective with model.forward recorded; returns the passes and the scalar results. */
  function recorded(opts: DftObjectiveOptions) {
    const rec = recordPasses(model);
    try {
      const r = dftObjective(opts, model, batch);
      const out = { loss: scalar(r.loss), tft: scalar(r.terms.tft), lc: scalar(r.terms.lc), et: scalar(r.terms.et) };
      tf.dispose([r.loss, r.terms.tft, r.terms.lc, r.terms.et]);
      return { ...out, calls: rec.calls };
    } finally {
      rec.restore();
    }
  }
  const weighted = { lcLayer: 1, etLayer: 2, lambdaLc: 0.5, lambdaEt: 2 };
  const allLayers = () => Array.from({ length: L }, (_, k) => k + 1);

  it('dft-logits: the LC pass stops at layer i, the ET pass at j (layer calls counted); terms sum to the loss', () => {
    const r = recorded({ method: 'dft-logits', ...weighted });
    expect(r.calls.map((c) => c.ran)).toEqual([allLayers(), [1], [1, 2]]);
    expect(r.calls[1]!.opts.attentionMask).toBe(batch.lc!.attentionMask);
    expect(r.calls[2]!.opts.attentionMask).toBe(batch.et!.attentionMask);
    expect(r.lc).toBeGreaterThan(0);
    expect(r.et).toBeGreaterThan(0);
    expect(r.loss).toBeCloseTo(r.tft + 0.5 * r.lc + 2 * r.et, 4);
  });

  it('dft-feature: the TFT pass supplies the student states, one English pass the teachers; terms sum to the loss', () => {
    const r = recorded({ method: 'dft-feature', pool: 'last', ...weighted });
    expect(r.calls.map((c) => c.ran)).toEqual([allLayers(), allLayers()]);
    expect(r.calls[0]!.opts.capture).toEqual([1, 2]);
    expect(r.calls[1]!.opts).toMatchObject({ capture: [1, L], attentionMask: batch.en!.attentionMask });
    expect(r.lc).toBeGreaterThan(0);
    expect(r.et).toBeGreaterThan(0);
    expect(r.loss).toBeCloseTo(r.tft + 0.5 * r.lc + 2 * r.et, 4);
    // Only LC: the English pass stops at layer i.
    expect(recorded({ method: 'dft-feature', lcLayer: 1, lambdaEt: 0 }).calls.map((c) => c.ran)).toEqual([allLayers(), [1]]);
  });

  it('λ = 0 gives exactly the TFT loss', () => {
    const tft = recorded({ method: 'tft' }).loss;
    expect(recorded({ method: 'dft-logits', lambdaLc: 0, lambdaEt: 0 }).loss).toBe(tft);
    expect(recorded({ method: 'dft-feature', lambdaLc: 0, lambdaEt: 0 }).loss).toBe(tft);
  });

  it('leaves tf.memory().numTensors unchanged across objective calls', () => {
    const before = tf.memory().numTensors;
    tf.tidy(() => {
      dftObjective({ method: 'dft-feature', lcLayer: 1, etLayer: 2 }, model, batch);
    });
    const r = dftObjective({ method: 'dft-logits', lcLayer: 1, etLayer: 2 }, model, batch);
    tf.dispose([r.loss, ...Object.values(r.terms)]);
    expect(tf.memory().numTensors).toBe(before);
  });
});
