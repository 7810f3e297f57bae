import * as tf from '@tensorflow/tfjs-core';
import { KVCache, type CausalLM } from '@dft/core';
import { gatherLogprobs } from './gather-logprobs.js';
import type { McRequest } from './tokenize-mc.js';

export interface LoglikelihoodOptions {
  /** Examples scored together (rows of one forward pass). Default 8. */
  batchSize?: number;
  /**
   * Force the strategy. By default a batch shares its contexts through the KV cache when that saves work and
   * is exact (no sliding window spans the hidden choices), else it runs as padded rows.
   */
  strategy?: 'shared' | 'rows';
  /** Called after each batch with the number of requests scored so far and the total. */
  onBatch?: (done: number, total: number) => void;
}

/** Pads `rows` to one `[rows, width]` id block and its 0/1 mask; `left` puts the padding first. */
function pad(rows: readonly (readonly number[])[], width: number, left: boolean): { ids: tf.Tensor2D; mask: tf.Tensor2D } {
  const ids = new Int32Array(rows.length * width);
  const mask = new Int32Array(rows.length * width);
  rows.forEach((r, b) => {
    const at = b * width + (left ? width - r.length : 0);
    ids.set(r, at);
    mask.fill(1, at, at + r.length);
  });
  return { ids: tf.tensor2d(ids, [rows.length, width], 'int32'), mask: tf.tensor2d(mask, [rows.length, width], 'int32') };
}

/** Runs the model on a padded block and returns the final-normed hidden state (logits are never materialised). */
function hiddenOf(model: CausalLM, rows: readonly (readonly number[])[], left: boolean, cache?: KVCache): tf.Tensor3D {
  const width = Math.max(1, ...rows.map((r) => r.length));
  const { ids, mask } = pad(rows, width, left);
  try {
    const { hidden } = model.forward(ids, { attentionMask: mask, cache, logits: false, capture: [model.numLayers] });
    return hidden.get(model.numLayers)!;
  } finally {
    ids.dispose();
    mask.dispose();
  }
}

/**
 * Shared context: one pass over the left-padded contexts fills a KV cache, whose last position scores every
 * choice's first token; then choice k of every example is fed on top of the cache (right-padded) and its
 * slots are masked out again before choice k + 1, so each choice sees exactly its context. Positions come from
 * the mask, so every choice starts at the position right after its context.
 */
function sharedBatch(model: CausalLM, batch: readonly McRequest[]): number[][] {
  const lls = batch.map((r) => r.continuations.map(() => 0));
  const cache = new KVCache(model.numLayers);
  try {
    const h = hiddenOf(model, batch.map((r) => r.context), true, cache);
    const width = h.shape[1];
    const rows: number[] = [];
    const targets: number[] = [];
    const owner: [number, number][] = [];
    batch.forEach((r, b) => r.continuations.forEach((c, k) => {
      rows.push(b * width + width - 1);
      targets.push(c[0]);
      owner.push([b, k]);
    }));
    const first = gatherLogprobs(model, h, rows, targets);
    h.dispose();
    owner.forEach(([b, k], i) => (lls[b][k] += first[i]));
    const maxChoices = Math.max(...batch.map((r) => r.continuations.length));
    for (let k = 0; k < maxChoices; k++) {
      // Choice k's input is its tokens but the last (whose log-prob is read one position earlier).
      const inputs = batch.map((r) => (r.continuations[k] ?? []).slice(0, -1));
      const time = Math.max(...inputs.map((x) => x.length));
      if (time === 0) continue;
      const hk = hiddenOf(model, inputs, false, cache);
      const rowsK: number[] = [];
      const targetsK: number[] = [];
      const ownerK: number[] = [];
      inputs.forEach((x, b) => x.forEach((_, t) => {
        rowsK.push(b * time + t);
        targetsK.push(batch[b].continuations[k][t + 1]);
        ownerK.push(b);
      }));
      const lp = gatherLogprobs(model, hk, rowsK, targetsK);
      hk.dispose();
      ownerK.forEach((b, i) => (lls[b][k] += lp[i]));
      // Hide this choice from the next ones: its cache slots become padding.
      for (let b = 0; b < batch.length; b++) cache.mask.fill(0, b * cache.length + cache.length - time, (b + 1) * cache.length);
    }
  } finally {
    cache.dispose();
  }
  return lls;
}

/** Plain rows: `context + continuation[:-1]` per choice, right-padded, in one pass (no cache). */
function rowsBatch(model: CausalLM, batch: readonly McRequest[]): number[][] {
  const seqs: number[][] = [];
  const owner: [number, number][] = [];
  batch.forEach((r, b) => r.continuations.forEach((c, k) => {
    seqs.push([...r.context, ...c.slice(0, -1)]);
    owner.push([b, k]);
  }));
  const h = hiddenOf(model, seqs, false);
  const width = h.shape[1];
  const rowOf = firstRowsOfPrefixes(seqs, width);
  const rows: number[] = [];
  const targets: number[] = [];
  const which: number[] = [];
  owner.forEach(([b, k], s) => {
    const { context, continuations } = batch[b];
    continuations[k].forEach((tok, t) => {
      rows.push(rowOf[s][context.length - 1 + t]);
      targets.push(tok);
      which.push(s);
    });
  });
  const lp = gatherLogprobs(model, h, rows, targets);
  h.dispose();
  const lls = batch.map((r) => r.continuations.map(() => 0));
  which.forEach((s, i) => {
    const [b, k] = owner[s];
    lls[b][k] += lp[i];
  });
  return lls;
}

/**
 * For every position of every row, the flat position (`row · width + t`) of the first row that has the same tokens
 * up to and including it. Causal attention makes the hidden states there equal (right padding keeps positions), so
 * the head projects a shared prefix once: XNLI's three choices repeat the premise, every choice repeats its context.
 */
function firstRowsOfPrefixes(seqs: readonly (readonly number[])[], width: number): number[][] {
  const nodes = new Map<string, number>(); // `${prefix node}:${token}` → node of the longer prefix
  const firstAt: number[] = []; // node → flat position where it first occurs
  return seqs.map((seq, s) => {
    let node = -1;
    return seq.map((tok, t) => {
      const key = `${node}:${tok}`;
      let next = nodes.get(key);
      if (next === undefined) {
        next = firstAt.push(s * width + t) - 1;
        nodes.set(key, next);
      }
      node = next;
      return firstAt[next]!;
    });
  });
}

/**
 * With masked-out choices in the cache, slot distance exceeds position distance; a sliding-window layer would
 * then hide keys it should see. The shared path is exact when no window exists or every slot fits in it.
 */
function sharedIsExact(model: CausalLM, batch: readonly McRequest[]): boolean {
  const { slidingWindow, slidingLayers } = model.config;
  if (slidingWindow === null || !slidingLayers.some(Boolean)) return true;
  const ctx = Math.max(...batch.map((r) => r.context.length));
  let slots = ctx;
  const maxChoices = Math.max(...batch.map((r) => r.continuations.length));
  for (let k = 0; k < maxChoices; k++) slots += Math.max(0, ...batch.map((r) => (r.continuations[k]?.length ?? 1) - 1));
  return slots <= slidingWindow;
}

/**
 * Sharing pays when the context tokens it saves ((choices − 1) × context per example) outweigh the choice
 * tokens, which it feeds in one extra pass per choice index: TruthfulQA, MMLU (one-token choices: no extra
 * pass at all) share; XNLI (empty context) and short-context XCOPA go as plain rows.
 */
function sharingPays(batch: readonly McRequest[]): boolean {
  let saved = 0;
  let fed = 0;
  for (const r of batch) {
    saved += (r.continuations.length - 1) * r.context.length;
    for (const c of r.continuations) fed += c.length - 1;
  }
  return saved >= fed;
}

/**
 * Sum of log-probabilities of each continuation given its context, for every request (`lls[i][k]`).
 * Requests are sorted by context length so that batches pad little; results come back in input order.
 * Requests must already fit the model (see `truncateRequests`).
 */
export function loglikelihoods(model: CausalLM, requests: readonly McRequest[], opts: LoglikelihoodOptions = {}): number[][] {
  const batchSize = opts.batchSize ?? 8;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error(`eval: batchSize must be a positive integer, got ${batchSize}`);
  requests.forEach((r, i) => {
    if (r.context.length === 0) throw new Error(`eval: request ${i} has an empty context (it needs at least BOS)`);
    if (r.continuations.length === 0 || r.continuations.some((c) => c.length === 0)) {
      throw new Error(`eval: request ${i} has an empty continuation`);
    }
  });
  const order = requests.map((_, i) => i).sort((a, b) => requests[b].context.length - requests[a].context.length);
  const out: number[][] = new Array(requests.length);
  for (let s = 0; s < order.length; s += batchSize) {
    const idx = order.slice(s, s + batchSize);
    const batch = idx.map((i) => requests[i]);
    const shared = opts.strategy ? opts.strategy === 'shared' : sharedIsExact(model, batch) && sharingPays(batch);
    const lls = shared ? sharedBatch(model, batch) : rowsBatch(model, batch);
    idx.forEach((i, j) => (out[i] = lls[j]));
    opts.onBatch?.(Math.min(s + batchSize, order.length), order.length);
  }
  return out;
}
