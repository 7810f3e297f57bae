import * as tf from '@tensorflow/tfjs-core';
import type { HookedCausalLM } from '@dft/losses';
import { layerEntropy, poolStates, type Pool } from '@dft/losses';
import type { EntropyPositions, LayerAnalysis, LayerCurves, LayerExample, PromptTokens } from './types.js';

export interface AnalyzeLayersOptions {
  model: HookedCausalLM;
  examples: readonly LayerExample[];
  /**
   * Languages to report: target languages (their examples' target prompts) and/or `en` (the English prompts of
   * the analysed examples). Default: every target language of the examples, then `en`. With `en` alone, every
   * example's English prompt is read.
   */
  langs?: readonly string[];
  /** Pooling for the alignment: `mean` over the query span (default), or the prompt's `last` token. */
  pool?: Pool;
  /** Positions the entropy and top-1 mass average over (default `query`: the language-specific tokens). */
  positions?: EntropyPositions;
  /** Prompts per forward pass (default 4). */
  batchSize?: number;
  onProgress?: (done: number, total: number) => void;
}

/** Per-example values of one side (target or English) of a batch, by layer. */
interface SideResult {
  entropy: number[][] | null;
  top1: number[][] | null;
  pooled: Float32Array[][];
}

interface Sums {
  n: number;
  entropy: Float64Array;
  top1: Float64Array;
  alignment: Float64Array;
}

/**
 * Per layer 0..L and language: mean logit-lens entropy and top-1 mass of the prompt's next-token distributions,
 * and the mean cosine between pooled states of the parallel English and target prompts at the same layer.
 * Entropies come from @dft/losses' `layerEntropy`; the lens is the model's own (`logitLens(h_k, k)`: final norm
 * and head below L, the head alone on the final-normed state L, so layer L is the model's output distribution).
 */
export function analyzeLayers(opts: AnalyzeLayersOptions): LayerAnalysis {
  const { model } = opts;
  const pool = opts.pool ?? 'mean';
  const positions = opts.positions ?? 'query';
  const batchSize = opts.batchSize ?? 4;
  if (pool !== 'mean' && pool !== 'last') throw new Error(`analyzeLayers: pool must be "mean" or "last", got ${JSON.stringify(pool)}`);
  if (positions !== 'query' && positions !== 'prompt') {
    throw new Error(`analyzeLayers: positions must be "query" or "prompt", got ${JSON.stringify(positions)}`);
  }
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error(`analyzeLayers: batchSize must be a positive integer, got ${batchSize}`);
  const vocab = (model as { config?: { vocabSize?: number } }).config?.vocabSize;
  opts.examples.forEach((e, i) => checkExample(e, i, vocab));
  const { langs, rows } = selectRows(opts.examples, opts.langs);
  const L = model.numLayers;
  const wantEnglish = langs.includes('en');
  const sums = new Map<string, Sums>(langs.map((l) => [l, emptySums(L)]));
  let vocabSize = vocab ?? 0;

  for (let start = 0; start < rows.length; start += batchSize) {
    const batch = rows.slice(start, start + batchSize);
    const targetsWanted = batch.map((e) => sums.has(e.lang));
    const tgt = targetsWanted.some(Boolean) ? sidePass(model, batch.map((e) => e.target), pool, positions, true) : null;
    const en = sidePass(model, batch.map((e) => e.english), pool, positions, wantEnglish);
    vocabSize = tgt?.vocab ?? en.vocab ?? vocabSize;
    batch.forEach((e, b) => {
      if (wantEnglish) add(sums.get('en')!, L, en.result, b, null);
      if (tgt && targetsWanted[b]) add(sums.get(e.lang)!, L, tgt.result, b, en.result);
    });
    opts.onProgress?.(Math.min(start + batchSize, rows.length), rows.length);
  }

  const curves: LayerCurves[] = langs.map((lang) => {
    const s = sums.get(lang)!;
    const avg = (a: Float64Array) => Array.from(a, (v) => v / s.n);
    return { lang, n: s.n, entropy: avg(s.entropy), top1: avg(s.top1), alignment: lang === 'en' ? null : avg(s.alignment) };
  });
  return { numLayers: L, vocabSize, pool, positions, curves };
}

function emptySums(L: number): Sums {
  return { n: 0, entropy: new Float64Array(L + 1), top1: new Float64Array(L + 1), alignment: new Float64Array(L + 1) };
}

function add(s: Sums, L: number, side: SideResult, b: number, english: SideResult | null): void {
  s.n++;
  for (let k = 0; k <= L; k++) {
    s.entropy[k]! += side.entropy![k]![b]!;
    s.top1[k]! += side.top1![k]![b]!;
    if (english) s.alignment[k]! += cosine(side.pooled[k]![b]!, english.pooled[k]![b]!);
  }
}

/** Cosine in float64; norms floored at 1e-8 as torch's cosine_similarity does. */
function cosine(a: Float32Array, b: Float32Array): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i]! * b[i]!;
    na += a[i]! * a[i]!;
    nb += b[i]! * b[i]!;
  }
  return dot / (Math.max(Math.sqrt(na), 1e-8) * Math.max(Math.sqrt(nb), 1e-8));
}

/**
 * One forward pass over a batch of prompts (right-padded), keeping every hidden state: per layer the pooled
 * states, and (when `lens`) the per-example mean entropy and top-1 mass of the lens over the chosen positions.
 * The lens runs on the chosen positions only (gathered first: the final norm and head act per position).
 */
function sidePass(
  model: HookedCausalLM,
  prompts: PromptTokens[],
  pool: Pool,
  positions: EntropyPositions,
  lens: boolean,
): { result: SideResult; vocab: number | null } {
  const B = prompts.length;
  const T = Math.max(...prompts.map((p) => p.ids.length));
  const ids = new Int32Array(B * T);
  const attention = new Int32Array(B * T);
  const poolMask = new Int32Array(B * T);
  const picked: number[] = [];
  const owner: number[] = [];
  prompts.forEach((p, b) => {
    for (let t = 0; t < p.ids.length; t++) ids[b * T + t] = p.ids[t]!;
    attention.fill(1, b * T, b * T + p.ids.length);
    // 'last' is a mean over the one last position: poolStates' own 'last' goes through a float32 oneHot, which
    // the wasm backend fills with integer bit patterns (tfjs-backend-wasm 4.22), giving ~1e-45 instead of 1.
    if (pool === 'mean') poolMask.fill(1, b * T + p.queryStart, b * T + p.queryEnd);
    else poolMask[b * T + p.ids.length - 1] = 1;
    const [from, to] = positions === 'query' ? [p.queryStart, p.queryEnd] : [0, p.ids.length];
    for (let t = from; t < to; t++) {
      picked.push(b * T + t);
      owner.push(b);
    }
  });
  const L = model.numLayers;
  const result: SideResult = { entropy: lens ? [] : null, top1: lens ? [] : null, pooled: [] };
  let vocab: number | null = null;
  const idsT = tf.tensor2d(ids, [B, T], 'int32');
  const maskT = tf.tensor2d(attention, [B, T], 'int32');
  const poolT = tf.tensor2d(poolMask, [B, T], 'int32');
  const pickedT = tf.tensor1d(picked, 'int32');
  let hidden: Map<number, tf.Tensor3D> | null = null;
  try {
    hidden = model.forward(idsT, { attentionMask: maskT, capture: 'all', logits: false }).hidden;
    for (let k = 0; k <= L; k++) {
      const h = hidden.get(k)!;
      const pooled = tf.tidy(() => poolStates(h, poolT, 'mean', 'analyzeLayers').dataSync() as Float32Array);
      const d = h.shape[2];
      result.pooled.push(Array.from({ length: B }, (_, b) => pooled.slice(b * d, (b + 1) * d)));
      if (!lens) continue;
      const [ent, top] = tf.tidy(() => {
        const rows = tf.gather(tf.reshape(h, [B * T, d]), pickedT);
        const logits = model.logitLens(tf.reshape(rows, [picked.length, 1, d]) as tf.Tensor3D, k);
        vocab = logits.shape[2];
        // layerEntropy reads its input as logits: given log-probabilities (softmax unchanged, logsumexp 0) its
        // `logsumexp(z) - sum p·z` becomes `-sum p·log p`, whose terms share one sign. Over a 32k vocabulary in
        // float32 that is ~10x more accurate than on raw logits, where large terms of both signs cancel.
        const logp = tf.logSoftmax(logits) as tf.Tensor3D;
        const { perExample } = layerEntropy(logp, (x) => x, tf.ones([picked.length, 1]) as tf.Tensor2D);
        const top1 = tf.exp(tf.max(logp, 2));
        return [perExample.dataSync() as Float32Array, top1.dataSync() as Float32Array];
      });
      result.entropy!.push(perExampleMeans(ent, owner, B));
      result.top1!.push(perExampleMeans(top, owner, B));
    }
  } finally {
    tf.dispose([idsT, maskT, poolT, pickedT, ...(hidden ? [...hidden.values()] : [])]);
  }
  return { result, vocab };
}

function perExampleMeans(values: Float32Array, owner: number[], B: number): number[] {
  const sum = new Float64Array(B);
  const count = new Float64Array(B);
  owner.forEach((b, i) => {
    sum[b]! += values[i]!;
    count[b]!++;
  });
  return Array.from(sum, (s, b) => s / count[b]!);
}

/** The languages to report and the examples to read, in order. */
function selectRows(examples: readonly LayerExample[], requested: readonly string[] | undefined): { langs: string[]; rows: LayerExample[] } {
  if (examples.length === 0) throw new Error('analyzeLayers: no examples to analyse');
  const present = [...new Set(examples.map((e) => e.lang))];
  const langs = requested ? [...new Set(requested)] : [...present.filter((l) => l !== 'en'), 'en'];
  if (langs.length === 0) throw new Error('analyzeLayers: langs is empty; name at least one language');
  const targets = langs.filter((l) => l !== 'en');
  for (const l of targets) {
    if (!present.includes(l)) throw new Error(`analyzeLayers: no examples in language "${l}" (the examples have ${present.join(', ')})`);
  }
  const rows = targets.length ? examples.filter((e) => targets.includes(e.lang)) : [...examples];
  return { langs, rows };
}

function checkExample(e: LayerExample, i: number, vocab: number | undefined): void {
  const where = `analyzeLayers: examples[${i}]`;
  if (!e || typeof e !== 'object') throw new Error(`${where}: expected {lang, target, english}, got ${e}`);
  if (typeof e.lang !== 'string' || e.lang === '') throw new Error(`${where}.lang: expected a language code, got ${JSON.stringify(e.lang)}`);
  for (const side of ['target', 'english'] as const) {
    const p = e[side];
    const name = `${where}.${side}`;
    if (!p || typeof p !== 'object' || !p.ids || typeof p.ids.length !== 'number') throw new Error(`${name}: expected {ids, queryStart, queryEnd}`);
    const n = p.ids.length;
    if (n === 0) throw new Error(`${name}: the prompt has no tokens`);
    for (let t = 0; t < n; t++) {
      const v = p.ids[t]!;
      if (!Number.isInteger(v) || v < 0 || (vocab !== undefined && v >= vocab)) {
        throw new Error(`${name}.ids[${t}] = ${v} is not a token id${vocab !== undefined ? ` of this model (vocabulary ${vocab})` : ''}`);
      }
    }
    if (!Number.isInteger(p.queryStart) || !Number.isInteger(p.queryEnd) || p.queryStart < 0 || p.queryEnd <= p.queryStart || p.queryEnd > n) {
      throw new Error(`${name}: query span [${p.queryStart}, ${p.queryEnd}) is not a non-empty span inside its ${n} tokens`);
    }
  }
}
