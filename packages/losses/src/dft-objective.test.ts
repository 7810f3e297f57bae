import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { DftBatch } from './batch.js';
import { causalLmLoss } from './causal-lm-loss.js';
import { dftObjective, type DftObjectiveOptions } from './dft-objective.js';
import { featureAlignmentLoss } from './feature-alignment-loss.js';
import type { HookedCausalLM } from './model.js';
import { maxVariableGradientError } from './test-utils/grad-check.js';
import { cosine, meanOf, referenceCe } from './test-utils/reference.js';
import { scalar, useCpuBackend } from './test-utils/setup.js';
import { disposeBatch, toyBatch } from './test-utils/toy-batch.js';
import { ToyLM } from './test-utils/toy-model.js';

const L = 3;
let model: ToyLM;
let batch: DftBatch;

beforeAll(async () => {
  await useCpuBackend();
  model = new ToyLM({ vocab: 11, dim: 6, layers: L, seed: 42 });
  batch = toyBatch();
});
afterAll(() => {
  model.dispose();
  disposeBatch(batch);
});
beforeEach(() => {
  model.calls.length = 0;
});

type Arr3 = number[][][];

/** All hidden states (0..L) and logits of one full, un-stopped pass, as host arrays. */
function fullPass(ids: tf.Tensor2D, mask: tf.Tensor2D): { hidden: Arr3[]; logits: Arr3 } {
  const out = model.forward(ids, { attentionMask: mask, capture: 'all' });
  const hidden = Array.from({ length: L + 1 }, (_, k) => out.hidden.get(k)!.arraySync() as Arr3);
  const logits = out.logits!.arraySync() as Arr3;
  tf.dispose([...out.hidden.values(), out.logits!]);
  model.calls.length = 0;
  return { hidden, logits };
}

/** Logit-lens logits of layer k for every position, computed through the model's lens. */
function lensLogits(h: Arr3, k: number): Arr3 {
  return tf.tidy(() => model.logitLens(tf.tensor3d(h), k).arraySync() as Arr3);
}

const arr = (t: tf.Tensor) => t.arraySync() as number[][];
const run = (opts: DftObjectiveOptions) => {
  const r = dftObjective(opts)(model, batch);
  const out = { loss: scalar(r.loss), tft: scalar(r.terms.tft), lc: scalar(r.terms.lc), et: scalar(r.terms.et) };
  tf.dispose([r.loss, r.terms.tft, r.terms.lc, r.terms.et]);
  return out;
};

describe('dftObjective: tft / sft', () => {
  it("'tft' is the CE of the translated response (JS reference), lc and et are 0, one full pass", () => {
    const { logits } = fullPass(batch.tft!.ids, batch.tft!.attentionMask);
    const r = run({ method: 'tft' });
    expect(r.tft).toBeCloseTo(referenceCe(logits, arr(batch.tft!.labels)), 5);
    expect([r.loss, r.lc, r.et]).toEqual([r.tft, 0, 0]);
    expect(model.calls).toHaveLength(1);
    expect(model.calls[0]!.layersRun).toEqual([1, 2, 3]);
  });

  it("'sft' trains on the English pairs (batch.sft) and needs nothing else", () => {
    const { logits } = fullPass(batch.sft!.ids, batch.sft!.attentionMask);
    const r = dftObjective({ method: 'sft' })(model, { sft: batch.sft });
    expect(scalar(r.loss)).toBeCloseTo(referenceCe(logits, arr(batch.sft!.labels)), 5);
    expect(scalar(r.terms.lc)).toBe(0);
  });
});

describe('dftObjective: dft-logits', () => {
  const i = 1;
  const j = 2;

  it('reads LC at layer i and ET at layer j through the logit lens (JS reference), weighted by λ', () => {
    const lcRef = referenceCe(lensLogits(fullPass(batch.lc!.ids, batch.lc!.attentionMask).hidden[i]!, i), arr(batch.lc!.labels));
    const etRef = referenceCe(lensLogits(fullPass(batch.et!.ids, batch.et!.attentionMask).hidden[j]!, j), arr(batch.et!.labels));
    const tftRef = referenceCe(fullPass(batch.tft!.ids, batch.tft!.attentionMask).logits, arr(batch.tft!.labels));
    const r = run({ method: 'dft-logits', lcLayer: i, etLayer: j, lambdaLc: 0.5, lambdaEt: 2 });
    expect(r.tft).toBeCloseTo(tftRef, 5);
    expect(r.lc).toBeCloseTo(lcRef, 5);
    expect(r.et).toBeCloseTo(etRef, 5);
    expect(r.loss).toBeCloseTo(r.tft + 0.5 * r.lc + 2 * r.et, 5);
    expect(r.lc).not.toBeCloseTo(r.et, 2);
  });

  it('stops each lens pass at its layer: the LC pass never runs layer i+1', () => {
    run({ method: 'dft-logits', lcLayer: i, etLayer: j });
    expect(model.calls.map((c) => c.layersRun)).toEqual([[1, 2, 3], [1], [1, 2]]);
    expect(model.calls[1]!.opts).toMatchObject({ stopAtLayer: i, capture: [i], logits: false });
    expect(model.calls[2]!.opts).toMatchObject({ stopAtLayer: j, capture: [j], logits: false });
  });

  it('at the last layer, the lens term equals the CE of the model logits', () => {
    const r = run({ method: 'dft-logits', lcLayer: L, etLayer: L });
    const lc = referenceCe(fullPass(batch.lc!.ids, batch.lc!.attentionMask).logits, arr(batch.lc!.labels));
    expect(r.lc).toBeCloseTo(lc, 5);
  });

  it('with λ = 0 equals TFT and runs no extra pass', () => {
    const tft = run({ method: 'tft' }).loss;
    model.calls.length = 0;
    const r = run({ method: 'dft-logits', lambdaLc: 0, lambdaEt: 0 });
    expect(r.loss).toBe(tft);
    expect(model.calls).toHaveLength(1);
  });

  it('leaves the head and final norm to the TFT term: their gradient equals the TFT gradient', () => {
    const grads = (opts: DftObjectiveOptions) =>
      tf.variableGrads(() => dftObjective(opts)(model, batch).loss, model.variables);
    const dft = grads({ method: 'dft-logits', lcLayer: i, etLayer: j });
    const tft = grads({ method: 'tft' });
    for (const v of [model.head, model.normWeight]) {
      expect(arr(tf.reshape(dft.grads[v.name]!, [1, -1]))[0]).toEqual(
        arr(tf.reshape(tft.grads[v.name]!, [1, -1]))[0]!.map((x) => expect.closeTo(x, 6)),
      );
    }
    // ...while the lower blocks do get the extra terms.
    const diff = tf.tidy(() => tf.max(tf.abs(tf.sub(dft.grads[model.blocks[0]!.name]!, tft.grads[model.blocks[0]!.name]!))));
    expect(scalar(diff)).toBeGreaterThan(1e-4);
    tf.dispose([dft.value, tft.value, diff, ...Object.values(dft.grads), ...Object.values(tft.grads)]);
  });

  it('passes a finite-difference gradient check w.r.t. the model parameters', () => {
    const f = () => dftObjective({ method: 'dft-logits', lcLayer: i, etLayer: j })(model, batch).loss;
    expect(maxVariableGradientError(f, [model.blocks[0]!, model.blocks[1]!, model.embed])).toBeLessThan(1e-2);
  });
});

describe('dftObjective: dft-feature', () => {
  const i = 1;
  const j = 2;

  function reference(pool: 'mean' | 'last') {
    const tgt = fullPass(batch.tft!.ids, batch.tft!.attentionMask);
    const en = fullPass(batch.en!.ids, batch.en!.attentionMask);
    const tgtSpan = arr(batch.tft!.querySpan!);
    const enSpan = arr(batch.en!.querySpan!);
    const tgtLen = batch.tft!.promptLength!.arraySync() as number[];
    const enLen = batch.en!.promptLength!.arraySync() as number[];
    const pooled = (h: Arr3, span: number[][], len: number[], b: number) =>
      pool === 'mean' ? meanOf(h[b]!, span[b]![0]!, span[b]![1]!) : h[b]![len[b]! - 1]!;
    const term = (studentLayer: number, teacherLayer: number) =>
      [0, 1]
        .map((b) => 1 - cosine(pooled(tgt.hidden[studentLayer]!, tgtSpan, tgtLen, b), pooled(en.hidden[teacherLayer]!, enSpan, enLen, b)))
        .reduce((a, c) => a + c / 2, 0);
    return { tft: referenceCe(tgt.logits, arr(batch.tft!.labels)), lc: term(i, i), et: term(j, L) };
  }

  for (const pool of ['mean', 'last'] as const) {
    it(`'${pool}' pooling: LC = 1 - cos(h_i en, h_i tgt), ET = 1 - cos(h_L en, h_j tgt) (JS reference)`, () => {
      const ref = reference(pool);
      const r = run({ method: 'dft-feature', lcLayer: i, etLayer: j, pool, lambdaLc: 3, lambdaEt: 0.25 });
      expect(r.tft).toBeCloseTo(ref.tft, 5);
      expect(r.lc).toBeCloseTo(ref.lc, 5);
      expect(r.et).toBeCloseTo(ref.et, 5);
      expect(r.loss).toBeCloseTo(r.tft + 3 * r.lc + 0.25 * r.et, 5);
    });
  }

  it('takes the student states from the TFT pass and runs one English pass up to the highest layer needed', () => {
    run({ method: 'dft-feature', lcLayer: i, etLayer: j });
    expect(model.calls).toHaveLength(2);
    expect(model.calls[0]!.opts.capture).toEqual([i, j]);
    expect(model.calls[1]!.opts).toMatchObject({ capture: [i, L], stopAtLayer: L, logits: false });
    model.calls.length = 0;
    run({ method: 'dft-feature', lcLayer: i, lambdaEt: 0 });
    expect(model.calls.map((c) => c.layersRun)).toEqual([[1, 2, 3], [1]]);
  });

  it('detachTeacher (default) = gradient of a constant teacher; off, the English branch gets gradient too', () => {
    const teacher = tf.tidy(() => {
      const out = model.forward(batch.en!.ids, { attentionMask: batch.en!.attentionMask, capture: [i, L] });
      return [tf.tensor(out.hidden.get(i)!.arraySync()), tf.tensor(out.hidden.get(L)!.arraySync())] as tf.Tensor3D[];
    });
    // Query-span masks built on the host from the spans.
    const mask = (kind: 'tft' | 'en') =>
      tf.tensor2d(
        arr(batch[kind]!.querySpan!).map(([a, b]) =>
          Array.from({ length: batch[kind]!.ids.shape[1] }, (_, p) => (p >= a! && p < b! ? 1 : 0)),
        ),
      );
    const sm = mask('tft');
    const tm = mask('en');
    const constantTeacher = tf.variableGrads(() => {
      const out = model.forward(batch.tft!.ids, { attentionMask: batch.tft!.attentionMask, capture: [i, j] });
      const tft = causalLmLoss(out.logits!, batch.tft!.labels);
      const lc = featureAlignmentLoss(out.hidden.get(i)!, teacher[0]!, sm, tm);
      const et = featureAlignmentLoss(out.hidden.get(j)!, teacher[1]!, sm, tm);
      return tf.addN([tft, lc, et]) as tf.Scalar;
    }, model.variables);
    const detached = tf.variableGrads(() => dftObjective({ method: 'dft-feature', lcLayer: i, etLayer: j })(model, batch).loss, model.variables);
    const attached = tf.variableGrads(
      () => dftObjective({ method: 'dft-feature', lcLayer: i, etLayer: j, detachTeacher: false })(model, batch).loss,
      model.variables,
    );
    expect(scalar(detached.value)).toBeCloseTo(scalar(constantTeacher.value), 5);
    for (const v of model.variables) {
      const maxDiff = (a: tf.Tensor, b: tf.Tensor) => tf.tidy(() => scalar(tf.max(tf.abs(tf.sub(a, b)))));
      expect(maxDiff(detached.grads[v.name]!, constantTeacher.grads[v.name]!)).toBeLessThan(1e-5);
    }
    const embedDiff = tf.tidy(() => scalar(tf.max(tf.abs(tf.sub(attached.grads[model.embed.name]!, detached.grads[model.embed.name]!)))));
    expect(embedDiff).toBeGreaterThan(1e-4);
    tf.dispose([...teacher, sm, tm, constantTeacher.value, detached.value, attached.value]);
    for (const g of [constantTeacher.grads, detached.grads, attached.grads]) tf.dispose(Object.values(g));
  });

  it('passes a finite-difference gradient check with the teacher attached', () => {
    // (Detached, the gradient deliberately differs from the total derivative; the test above covers it.)
    for (const pool of ['mean', 'last'] as const) {
      const f = () =>
        dftObjective({ method: 'dft-feature', lcLayer: i, etLayer: j, detachTeacher: false, pool })(model, batch).loss;
      expect(maxVariableGradientError(f, [model.blocks[0]!, model.blocks[1]!, model.embed])).toBeLessThan(1e-2);
    }
  });
});

describe('dftObjective: one embedding lookup per step', () => {
  /** The same model without `embedTokens`: every pass looks its ids up itself. */
  const perPassLookups = (m: ToyLM): HookedCausalLM => ({
    numLayers: m.numLayers,
    forward: (ids, o) => m.forward(ids, o),
    lmHead: (h, o) => m.lmHead(h, o),
    logitLens: (h, k, o) => m.logitLens(h, k, o),
  });
  const size = (kind: keyof DftBatch) => batch[kind]!.ids.size;
  const cases: [string, DftObjectiveOptions, (keyof DftBatch)[][]][] = [
    ['dft-logits: the TFT, LC and ET passes share one', { method: 'dft-logits', lcLayer: 1, etLayer: 2 }, [['tft', 'lc', 'et']]],
    ['dft-feature, teacher attached: the TFT and English passes share one', { method: 'dft-feature', lcLayer: 1, etLayer: 2, detachTeacher: false }, [['tft', 'en']]],
    ['dft-feature, teacher detached: the teacher (no gradient) looks up its own', { method: 'dft-feature', lcLayer: 1, etLayer: 2 }, [['tft'], ['en']]],
    ['tft: a single pass looks up its own', { method: 'tft' }, [['tft']]],
  ];
  it.each(cases)('%s, with the loss and gradients of one lookup per pass', (_, opts, groups) => {
    model.lookups.length = 0;
    const shared = tf.variableGrads(() => dftObjective(opts)(model, batch).loss, model.variables);
    // A shared lookup reads every pass's ids as one [1, total] row; a pass's own lookup reads its [batch, time] ids.
    const lookups = groups.map((g) => (g.length > 1 ? [1, g.reduce((n, k) => n + size(k), 0)] : batch[g[0]!]!.ids.shape));
    expect(model.lookups).toEqual(lookups);
    expect(model.calls.map((c) => c.opts.inputsEmbeds !== undefined)).toEqual(groups.flatMap((g) => g.map(() => g.length > 1)));
    const separate = tf.variableGrads(() => dftObjective(opts)(perPassLookups(model), batch).loss, model.variables);
    expect(scalar(shared.value)).toBeCloseTo(scalar(separate.value), 6);
    for (const v of model.variables) {
      const maxDiff = tf.tidy(() => scalar(tf.max(tf.abs(tf.sub(shared.grads[v.name]!, separate.grads[v.name]!)))));
      expect(maxDiff, v.name).toBeLessThan(1e-6);
    }
    tf.dispose([shared.value, separate.value, ...Object.values(shared.grads), ...Object.values(separate.grads)]);
  });

  it('names the model when embedTokens returns a wrong shape', () => {
    // The rows without their batch axis.
    const wrong: HookedCausalLM = { ...perPassLookups(model), embedTokens: (ids) => tf.zeros([ids.shape[1], 6]) as unknown as tf.Tensor3D };
    const total = size('tft') + size('lc') + size('et');
    expect(() => tf.tidy(() => dftObjective({ method: 'dft-logits', lcLayer: 1, etLayer: 2 })(wrong, batch).loss)).toThrow(
      `dftObjective (method 'dft-logits'): model.embedTokens(ids [1, ${total}]) returned shape [${total},6]`,
    );
  });
});

describe('dftObjective: API and memory', () => {
  it('dftObjective(options, model, batch) evaluates directly, the same as the returned function', () => {
    const opts: DftObjectiveOptions = { method: 'dft-feature', lcLayer: 1, etLayer: 2, pool: 'last' };
    const a = dftObjective(opts, model, batch);
    const b = dftObjective(opts)(model, batch);
    expect(scalar(a.loss)).toBe(scalar(b.loss));
    tf.dispose([a.loss, b.loss, ...Object.values(a.terms), ...Object.values(b.terms)]);
  });

  it('leaves tf.memory().numTensors unchanged across training steps of every method', () => {
    const step = (opts: DftObjectiveOptions) => {
      const { value, grads } = tf.variableGrads(() => dftObjective(opts)(model, batch).loss, model.variables);
      tf.dispose([value, ...Object.values(grads)]);
      tf.tidy(() => {
        dftObjective(opts)(model, batch);
      });
    };
    const all: DftObjectiveOptions[] = [
      { method: 'sft' },
      { method: 'tft' },
      { method: 'dft-logits', lcLayer: 1, etLayer: 2 },
      { method: 'dft-feature', lcLayer: 1, etLayer: 2 },
      { method: 'dft-feature', lcLayer: 1, etLayer: 3, detachTeacher: false, pool: 'last' },
    ];
    all.forEach(step);
    const before = tf.memory().numTensors;
    for (let n = 0; n < 2; n++) all.forEach(step);
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('dftObjective: bad input', () => {
  const without = <K extends keyof DftBatch>(kind: K, field?: string): DftBatch => {
    if (!field) {
      const { [kind]: _, ...rest } = batch;
      return rest;
    }
    const { [field]: _, ...group } = batch[kind] as unknown as Record<string, tf.Tensor>;
    return { ...batch, [kind]: group };
  };
  const call = (opts: DftObjectiveOptions, b: DftBatch = batch) => () => dftObjective(opts)(model, b);
  const logits: DftObjectiveOptions = { method: 'dft-logits', lcLayer: 1, etLayer: 2 };
  const feature: DftObjectiveOptions = { method: 'dft-feature', lcLayer: 1, etLayer: 2 };

  it('names a missing sequence group or field', () => {
    expect(call(logits, without('lc'))).toThrow(
      "dftObjective (method 'dft-logits'): batch.lc is missing (expected the prompt(x_tgt) + English query (LC-logits) sequences)",
    );
    expect(call(logits, without('et', 'labels'))).toThrow(/batch\.et\.labels is missing/);
    expect(call({ method: 'tft' }, without('tft', 'attentionMask'))).toThrow(/batch\.tft\.attentionMask is missing/);
    expect(call(feature, without('en'))).toThrow(/batch\.en is missing/);
    expect(call(feature, without('en', 'querySpan'))).toThrow(/'dft-feature'\): batch\.en\.querySpan is missing/);
    expect(call({ ...feature, pool: 'last' }, without('tft', 'promptLength'))).toThrow(/batch\.tft\.promptLength is missing/);
    expect(call({ method: 'sft' }, without('sft'))).toThrow(/batch\.sft is missing/);
    // Only what a method uses is required: tft needs neither en nor spans.
    expect(scalar(dftObjective({ method: 'tft' })(model, { tft: without('tft', 'querySpan').tft }).loss)).toBeGreaterThan(0);
  });

  it('rejects inconsistent shapes and out-of-range spans', () => {
    const short = { ...batch, lc: { ...batch.lc!, ids: tf.slice(batch.lc!.ids, [0, 0], [1, -1]) as tf.Tensor2D } };
    expect(call(logits, short)).toThrow(/batch\.lc\.ids has batch size 1, but the other sequence groups have 2/);
    const badSpan = { ...batch, en: { ...batch.en!, querySpan: tf.tensor2d([[1, 4], [2, 5]], undefined, 'int32') } };
    expect(call(feature, badSpan)).toThrow(
      /batch\.en\.querySpan\[1\] = \[2, 5\): expected integers 0 <= start < end <= 4 \(batch\.en\.promptLength\[1\]\)/,
    );
    const { promptLength: _, ...enNoPrompt } = badSpan.en;
    expect(call(feature, { ...badSpan, en: enNoPrompt })).toThrow(
      /batch\.en\.querySpan\[1\] = \[2, 5\): .* <= 4 \(the real tokens of batch\.en\.ids\[1\]\)/,
    );
    // A student span reaching into the response (past promptLength 3) is refused.
    const intoResponse = { ...batch, tft: { ...batch.tft!, querySpan: tf.tensor2d([[1, 3], [1, 5]], undefined, 'int32') } };
    expect(call(feature, intoResponse)).toThrow(/batch\.tft\.querySpan\[1\] = \[1, 5\): .* <= 3 \(batch\.tft\.promptLength\[1\]\)/);
    const badPrompt = { ...batch, tft: { ...batch.tft!, promptLength: tf.tensor1d([0, 3], 'int32') } };
    expect(call({ ...feature, pool: 'last' }, badPrompt)).toThrow(/batch\.tft\.promptLength\[0\] = 0: expected an integer in \[1, 6\]/);
    const floatIds = { ...batch, tft: { ...batch.tft!, ids: tf.cast(batch.tft!.ids, 'float32') as tf.Tensor2D } };
    expect(call({ method: 'tft' }, floatIds)).toThrow(/batch\.tft\.ids must be int32, got float32/);
    const badLabels = { ...batch, tft: { ...batch.tft!, labels: tf.fill([2, 7], 11, 'int32') as tf.Tensor2D } };
    expect(call({ method: 'tft' }, badLabels)).toThrow(/batch\.tft\.labels\[0\]\[0\] = 11: expected -100 \(ignored\) or a token id in \[0, 11\)/);
  });

  it('rejects bad options and layers outside the model', () => {
    expect(() => dftObjective({ method: 'dft' as 'tft' })).toThrow(/method: expected one of 'sft', 'tft', 'dft-logits', 'dft-feature', got "dft"/);
    expect(() => dftObjective({ method: 'dft-logits', etLayer: 2 })).toThrow(/lcLayer is required/);
    expect(() => dftObjective({ ...logits, lambdaEt: -1 })).toThrow(/lambdaEt must be a finite number >= 0, got -1/);
    expect(() => dftObjective({ ...logits, lcLayer: 1.5 })).toThrow(/lcLayer must be an integer >= 0, got 1.5/);
    expect(() => dftObjective({ method: 'tft', lossChunkTokens: -1 })).toThrow(/lossChunkTokens must be an integer >= 0 \(0 = off\), got -1/);
    expect(() => dftObjective({ ...feature, pool: 'max' as 'mean' })).toThrow(/pool: expected one of 'mean', 'last'/);
    expect(call({ ...logits, etLayer: 4 })).toThrow(/etLayer = 4 is out of range: the model has 3 layers \(expected 0\.\.3\)/);
    expect(() => dftObjective(logits)({} as ToyLM, batch)).toThrow(/model must implement forward/);
    const noHidden = { numLayers: 3, forward: () => ({ hidden: new Map() }), lmHead: model.lmHead, logitLens: model.logitLens };
    expect(() => dftObjective({ ...logits, lambdaEt: 0 })(noHidden, batch)).toThrow(/model\.forward returned no logits/);
  });
});
