import { noGrad } from '@dft/ops';
import { IGNORE_INDEX } from '@dft/util';
import * as tf from '@tensorflow/tfjs-core';
import { BatchReader, type DftBatch, type LabeledSequences } from './batch.js';
import { causalLmLossNamed } from './causal-lm-loss.js';
import { defaultChunkTokens, LOGITS_CHUNK_ELEMENTS } from './chunk-size.js';
import { featureAlignmentLoss } from './feature-alignment-loss.js';
import { logitLensLoss } from './logit-lens-loss.js';
import type { ForwardResult, HookedCausalLM } from './model.js';
import { POOLS, type Pool } from './pooling.js';
import { embedTogether } from './shared-embedding.js';
import { oneOf } from './validate.js';

export type DftMethod = 'sft' | 'tft' | 'dft-logits' | 'dft-feature';
export const DFT_METHODS: readonly DftMethod[] = ['sft', 'tft', 'dft-logits', 'dft-feature'];

export interface DftObjectiveOptions {
  /** `sft`: English pairs only; `tft`: translated pairs only; `dft-logits` / `dft-feature`: TFT + LC + ET. */
  method: DftMethod;
  /** Language-conversion layer i (HF hidden-state index, 0..numLayers); required by dft-* when lambdaLc > 0, ignored by sft/tft. */
  lcLayer?: number;
  /** English-thinking layer j (0..numLayers); required by dft-* when lambdaEt > 0. */
  etLayer?: number;
  /** Weight of L_LC, default 1. A zero weight skips the term's pass; the term is then reported as 0. */
  lambdaLc?: number;
  /** Weight of L_ET, default 1 (0 skips the pass, as for lambdaLc). */
  lambdaEt?: number;
  /** Feature-term pooling: `'mean'` over the query span (default) or the prompt's `'last'` token. */
  pool?: Pool;
  /** dft-feature: the English branch is a fixed target (no gradient, and its pass is not recorded). Default true. */
  detachTeacher?: boolean;
  /** Label value without loss, default -100. */
  ignoreIndex?: number;
  /**
   * Tokens per chunk of the LM-head losses (the model must have `lmHeadOf`): the passes then return hidden states
   * and each loss projects only its scored tokens, this many at a time, never holding a pass's `[tokens, vocab]`
   * logits. 0 = off (full logits). Default: on, with `defaultChunkTokens(vocab)`, for a pass whose logits would
   * exceed `LOGITS_CHUNK_ELEMENTS` (2^24 floats, 64 MiB), off below that.
   */
  lossChunkTokens?: number;
}

/** Scalar terms; every one is always present. Unused ones (lc/et of sft/tft, or weight 0) are 0. */
// Type aliases (not interfaces) so that tf.tidy accepts them as tensor containers.
export type DftTerms = {
  /** Next-token NLL of the main pass: translated pairs (tft, dft-*), or English pairs for method 'sft'. */
  tft: tf.Scalar;
  lc: tf.Scalar;
  et: tf.Scalar;
};

export type DftLossResult = {
  /** `tft + lambdaLc * lc + lambdaEt * et`. */
  loss: tf.Scalar;
  terms: DftTerms;
};

export type DftObjective = (model: HookedCausalLM, batch: DftBatch) => DftLossResult;

interface Resolved {
  method: DftMethod;
  lcLayer: number | undefined;
  etLayer: number | undefined;
  lambdaLc: number;
  lambdaEt: number;
  pool: Pool;
  detachTeacher: boolean;
  ignoreIndex: number;
  lossChunkTokens: number | undefined;
  context: string;
}

/**
 * The DFT training objective `L = L_TFT + λ_LC·L_LC + λ_ET·L_ET` (docs/design.md, "The method") and its baselines.
 * `dftObjective(options)` checks the options once and returns `(model, batch) => {loss, terms}`;
 * `dftObjective(options, model, batch)` evaluates it directly. Passes: one per labelled group; a logit-lens pass
 * stops at its layer; dft-feature takes the target-language states from the TFT pass and runs one English pass
 * (up to the highest layer it needs). Call it inside `tf.variableGrads` / `tf.tidy`; the result's tensors belong to
 * the caller's scope.
 */
export function dftObjective(options: DftObjectiveOptions): DftObjective;
export function dftObjective(options: DftObjectiveOptions, model: HookedCausalLM, batch: DftBatch): DftLossResult;
export function dftObjective(
  options: DftObjectiveOptions,
  model?: HookedCausalLM,
  batch?: DftBatch,
): DftObjective | DftLossResult {
  const opts = resolveOptions(options);
  const objective: DftObjective = (m, b) => evaluate(opts, m, b);
  return model === undefined && batch === undefined ? objective : objective(model as HookedCausalLM, batch as DftBatch);
}

function resolveOptions(o: DftObjectiveOptions): Resolved {
  if (o == null || typeof o !== 'object') {
    throw new Error(`dftObjective: options must be an object with at least {method}, got ${o}`);
  }
  const method = oneOf(o.method, DFT_METHODS, 'dftObjective: method', o.method);
  const context = `dftObjective (method '${method}')`;
  const weight = (v: number | undefined, name: string): number => {
    const w = v ?? 1;
    if (typeof w !== 'number' || !Number.isFinite(w) || w < 0) {
      throw new Error(`${context}: ${name} must be a finite number >= 0, got ${v}`);
    }
    return w;
  };
  const lambdaLc = weight(o.lambdaLc, 'lambdaLc');
  const lambdaEt = weight(o.lambdaEt, 'lambdaEt');
  const deep = method === 'dft-logits' || method === 'dft-feature';
  const layer = (v: number | undefined, name: string, used: boolean): number | undefined => {
    if (!deep || !used) return undefined;
    if (v === undefined) {
      throw new Error(`${context}: ${name} is required (a hidden-state index; or set its lambda to 0)`);
    }
    if (!Number.isInteger(v) || v < 0) {
      throw new Error(`${context}: ${name} must be an integer >= 0, got ${v}`);
    }
    return v;
  };
  const ignoreIndex = o.ignoreIndex ?? IGNORE_INDEX;
  if (!Number.isInteger(ignoreIndex)) {
    throw new Error(`${context}: ignoreIndex must be an integer, got ${o.ignoreIndex}`);
  }
  const chunk = o.lossChunkTokens;
  if (chunk !== undefined && !(Number.isInteger(chunk) && chunk >= 0)) {
    throw new Error(`${context}: lossChunkTokens must be an integer >= 0 (0 = off), got ${chunk}`);
  }
  if (o.detachTeacher !== undefined && typeof o.detachTeacher !== 'boolean') {
    throw new Error(`${context}: detachTeacher must be a boolean, got ${JSON.stringify(o.detachTeacher)}`);
  }
  return {
    method,
    lcLayer: layer(o.lcLayer, 'lcLayer', lambdaLc > 0),
    etLayer: layer(o.etLayer, 'etLayer', lambdaEt > 0),
    lambdaLc,
    lambdaEt,
    pool: oneOf(o.pool, POOLS, `${context}: pool`, 'mean'),
    detachTeacher: o.detachTeacher ?? true,
    ignoreIndex,
    lossChunkTokens: chunk,
    context,
  };
}

function evaluate(opts: Resolved, model: HookedCausalLM, batch: DftBatch): DftLossResult {
  checkModel(model, opts);
  const reader = new BatchReader(batch, opts.context);
  return tf.tidy(() => {
    let terms: DftTerms;
    switch (opts.method) {
      case 'sft':
        terms = { tft: nllPass(opts, model, reader.sequences('sft', true), 'sft'), lc: tf.scalar(0), et: tf.scalar(0) };
        break;
      case 'tft':
        terms = { tft: nllPass(opts, model, reader.sequences('tft', true), 'tft'), lc: tf.scalar(0), et: tf.scalar(0) };
        break;
      case 'dft-logits':
        terms = logitTerms(opts, model, reader);
        break;
      case 'dft-feature':
        terms = featureTerms(opts, model, reader);
        break;
    }
    const loss = tf.addN([terms.tft, tf.mul(terms.lc, opts.lambdaLc), tf.mul(terms.et, opts.lambdaEt)]) as tf.Scalar;
    return { loss, terms };
  });
}

function checkModel(model: HookedCausalLM, opts: Resolved): void {
  if (model == null || typeof model.forward !== 'function' || typeof model.logitLens !== 'function') {
    throw new Error(`${opts.context}: model must implement forward(ids, opts) and logitLens(h, layer, opts)`);
  }
  const n = model.numLayers;
  if (!Number.isInteger(n) || n < 1) {
    throw new Error(`${opts.context}: model.numLayers must be a positive integer, got ${n}`);
  }
  for (const [name, value] of [
    ['lcLayer', opts.lcLayer],
    ['etLayer', opts.etLayer],
  ] as const) {
    if (value !== undefined && value > n) {
      throw new Error(`${opts.context}: ${name} = ${value} is out of range: the model has ${n} layers (expected 0..${n})`);
    }
  }
}

/**
 * Tokens per chunk of a pass's LM-head loss, or null for the full-logits path (chunking off, too small to pay, or a
 * model without `lmHeadOf`).
 */
function headChunk(opts: Resolved, model: HookedCausalLM, seq: LabeledSequences): number | null {
  if (opts.lossChunkTokens === 0) return null;
  if (typeof model.lmHeadOf !== 'function') {
    if (opts.lossChunkTokens === undefined) return null;
    throw new Error(`${opts.context}: lossChunkTokens ${opts.lossChunkTokens} needs a model with lmHeadOf(layer) (the head as data)`);
  }
  if (opts.lossChunkTokens !== undefined) return opts.lossChunkTokens;
  const { weight, transposed } = model.lmHeadOf(model.numLayers);
  const vocab = transposed ? weight.shape[0] : weight.shape[1];
  const [batch, time] = seq.ids.shape;
  return batch * time * vocab > LOGITS_CHUNK_ELEMENTS ? defaultChunkTokens(vocab) : null;
}

/**
 * Full forward pass + next-token CE on the labelled tokens. Padding positions never carry loss. `inputsEmbeds`: the
 * pass's share of a lookup shared with other passes (`embedTogether`).
 */
function nllPass(opts: Resolved, model: HookedCausalLM, seq: LabeledSequences, kind: string, inputsEmbeds?: tf.Tensor3D): tf.Scalar {
  const chunk = headChunk(opts, model, seq);
  const L = model.numLayers;
  const pass = { attentionMask: seq.attentionMask, ...(inputsEmbeds && { inputsEmbeds }) };
  const out = model.forward(seq.ids, chunk === null ? pass : { ...pass, capture: [L], logits: false });
  return lmLoss(opts, model, out, seq, kind, chunk);
}

/** Next-token CE of a full pass: from its logits, or (chunked) from its final hidden state through the head. */
function lmLoss(opts: Resolved, model: HookedCausalLM, out: ForwardResult, seq: LabeledSequences, kind: string, chunk: number | null): tf.Scalar {
  const labels = maskPadding(seq, opts.ignoreIndex);
  const labelsName = `${opts.context}: batch.${kind}.labels`;
  if (chunk !== null) {
    const L = model.numLayers;
    const input = { hidden: hiddenAt(opts, out, L, `the batch.${kind} pass`), head: model.lmHeadOf!(L) };
    const options = { ignoreIndex: opts.ignoreIndex, chunkTokens: chunk };
    return causalLmLossNamed(input, labels, options, `${opts.context}: final hidden state of batch.${kind}`, labelsName) as tf.Scalar;
  }
  if (out.logits == null) {
    throw new Error(`${opts.context}: model.forward returned no logits for the full pass over batch.${kind}.ids`);
  }
  return causalLmLossNamed(out.logits, labels, { ignoreIndex: opts.ignoreIndex }, `${opts.context}: logits of batch.${kind}`, labelsName) as tf.Scalar;
}

/** Labels with padded positions set to ignoreIndex (dtype kept, so causalLmLoss still validates the values). */
function maskPadding(seq: LabeledSequences, ignoreIndex: number): tf.Tensor2D {
  const { labels } = seq;
  return tf.where(tf.equal(seq.attentionMask, 0), tf.fill(labels.shape, ignoreIndex, labels.dtype), labels) as tf.Tensor2D;
}

function hiddenAt(opts: Resolved, out: ForwardResult, layer: number, pass: string): tf.Tensor3D {
  const h = out.hidden?.get(layer);
  if (h == null) {
    throw new Error(`${opts.context}: model.forward did not return hidden state ${layer} (requested via capture) for ${pass}`);
  }
  return h;
}

/**
 * dft-logits: TFT pass, then a pass over `lc` up to layer i and one over `et` up to layer j, each read by the lens.
 * The three passes share one embedding lookup when the model offers `embedTokens`.
 */
function logitTerms(opts: Resolved, model: HookedCausalLM, reader: BatchReader): DftTerms {
  // Read (and check) every group before the first pass, so bad input fails fast.
  const tftSeq = reader.sequences('tft', true);
  const lcSeq = opts.lcLayer === undefined ? undefined : reader.sequences('lc', true);
  const etSeq = opts.etLayer === undefined ? undefined : reader.sequences('et', true);
  const passes = [tftSeq, lcSeq, etSeq].filter((s): s is LabeledSequences => s !== undefined);
  const embeds = embedTogether(model, passes.map((s) => s.ids), opts.context);
  const embedsOf = (seq: LabeledSequences) => embeds?.[passes.indexOf(seq)];
  const lensTerm = (kind: 'lc' | 'et', seq: LabeledSequences | undefined, layer: number | undefined): tf.Scalar => {
    if (seq === undefined || layer === undefined) return tf.scalar(0);
    const inputsEmbeds = embedsOf(seq);
    const out = model.forward(seq.ids, {
      attentionMask: seq.attentionMask,
      ...(inputsEmbeds && { inputsEmbeds }),
      capture: [layer],
      stopAtLayer: layer,
      logits: false,
    });
    const h = hiddenAt(opts, out, layer, `the batch.${kind} pass`);
    const chunk = headChunk(opts, model, seq);
    const head = chunk === null ? (x: tf.Tensor3D, o?: { frozen?: boolean }) => model.logitLens(x, layer, o) : model.lmHeadOf!(layer);
    return logitLensLoss(h, head, maskPadding(seq, opts.ignoreIndex), { ignoreIndex: opts.ignoreIndex, chunkTokens: chunk ?? undefined });
  };
  return {
    tft: nllPass(opts, model, tftSeq, 'tft', embedsOf(tftSeq)),
    lc: lensTerm('lc', lcSeq, opts.lcLayer),
    et: lensTerm('et', etSeq, opts.etLayer),
  };
}

/**
 * dft-feature: one TFT pass capturing h_i and h_j of the target-language prompt (its prompt positions do not see
 * the response, so they equal a prompt-only pass), and one English prompt pass capturing h_i (LC teacher) and
 * h_L (ET teacher, final-normed), stopped at the highest index needed.
 */
function featureTerms(opts: Resolved, model: HookedCausalLM, reader: BatchReader): DftTerms {
  const { lcLayer, etLayer } = opts;
  const L = model.numLayers;
  const tftSeq = reader.sequences('tft', true);
  const studentLayers = unique([lcLayer, etLayer]);
  if (studentLayers.length === 0) {
    return { tft: nllPass(opts, model, tftSeq, 'tft'), lc: tf.scalar(0), et: tf.scalar(0) };
  }
  // Read (and check) every group and span before the first pass, so bad input fails fast.
  const enSeq = reader.sequences('en', false);
  const studentMask = reader.poolMask('tft', opts.pool, tftSeq.attentionMask);
  const teacherMask = reader.poolMask('en', opts.pool, enSeq.attentionMask);
  const chunk = headChunk(opts, model, tftSeq);
  // A teacher with gradient shares the student's embedding lookup; a detached one is a constant of the backward.
  const [tftEmbeds, enEmbeds] = (opts.detachTeacher ? null : embedTogether(model, [tftSeq.ids, enSeq.ids], opts.context)) ?? [];
  const tftOut = model.forward(tftSeq.ids, {
    attentionMask: tftSeq.attentionMask,
    ...(tftEmbeds && { inputsEmbeds: tftEmbeds }),
    capture: chunk === null ? studentLayers : unique([...studentLayers, L]),
    logits: chunk === null,
  });
  const tft = lmLoss(opts, model, tftOut, tftSeq, 'tft', chunk);

  const teacherLayers = unique([lcLayer, etLayer === undefined ? undefined : L]);
  const stopAt = Math.max(...teacherLayers);
  const teacherPass = (): tf.Tensor3D[] => {
    const out = model.forward(enSeq.ids, {
      attentionMask: enSeq.attentionMask,
      ...(enEmbeds && { inputsEmbeds: enEmbeds }),
      capture: teacherLayers,
      stopAtLayer: stopAt,
      logits: false,
    });
    return teacherLayers.map((k) => hiddenAt(opts, out, k, 'the batch.en pass'));
  };
  const teacherStates = opts.detachTeacher ? noGrad(teacherPass) : teacherPass();
  const teacher = new Map(teacherLayers.map((k, n) => [k, teacherStates[n]!]));

  const align = (studentLayer: number, teacherLayer: number): tf.Scalar => {
    const student = hiddenAt(opts, tftOut, studentLayer, 'the batch.tft pass');
    return featureAlignmentLoss(student, teacher.get(teacherLayer)!, studentMask, teacherMask, {
      pool: opts.pool,
      detachTeacher: opts.detachTeacher,
    });
  };
  // LC: h_i(en) vs h_i(tgt); ET: h_L(en) vs h_j(tgt).
  return {
    tft,
    lc: lcLayer === undefined ? tf.scalar(0) : align(lcLayer, lcLayer),
    et: etLayer === undefined ? tf.scalar(0) : align(etLayer, L),
  };
}

function unique(layers: (number | undefined)[]): number[] {
  return [...new Set(layers.filter((k): k is number => k !== undefined))].sort((a, b) => a - b);
}
