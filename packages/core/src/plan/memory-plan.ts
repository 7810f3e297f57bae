import { ADAMW_BLOCK_ELEMENTS } from '@dft/ops/internal';
import { parameterSpecs, type ModelConfig } from '../model/config.js';

/** What a training step runs, as far as memory goes (the settings `dft train` resolves). */
export interface PlanSettings {
  /** sft | tft | dft-logits | dft-feature. */
  method: string;
  lcLayer?: number;
  etLayer?: number;
  /** Examples per forward pass on one rank. */
  microBatch: number;
  /** Tokens per sequence (every sequence of a pass padded to this length: the worst case). */
  seqLen: number;
  /** Micro-batches accumulated per optimizer step (> 1 keeps a running sum of the gradients). */
  accumulation?: number;
  gradientCheckpointing?: boolean;
  /**
   * Tokens per chunk of the LM-head losses; 0 = whole passes; unset = as `dft train` does: chunks of 2^24 / vocabulary
   * tokens for a pass whose logits would exceed 2^24 values.
   */
  lossChunkTokens?: number;
  /** Parameters that train (all by default). */
  trainableParams?: number;
  /**
   * Names of the parameters that train (HF names; the others are frozen). With it, frozen parameters get no gradient
   * and no moments, and `trainableParams` is their total; without it, every gradient is scaled by the trainable share.
   */
  trainableNames?: readonly string[];
  workers?: number;
  zeroStage?: 0 | 1 | 2;
  /** The dft-feature teacher pass without gradient (default true). */
  detachTeacher?: boolean;
  /** AdamW as one in-place kernel per parameter (the native backend); otherwise tfjs ops over blocks of rows. */
  fusedOptimizer?: boolean;
  /**
   * A trained head's chunked LM-head NLL as one kernel pair (the native backend): each chunk's logits live in the
   * addon's own scratch memory (chunk tokens × vocabulary floats of RSS), not in tfjs tensors, so tfjs's counts and
   * this plan leave them out; the weight gradient is one tensor the chunks accumulate into, not a running sum.
   */
  fusedHeadNll?: boolean;
}

/** Bytes per rank; every number is float32 tensor bytes as tfjs counts them (`peakBytes` in the training log). */
export interface MemoryPlan {
  perRank: {
    weights: number;
    gradients: number;
    optimizer: number;
    activations: number;
    /** The largest block of logits (and their gradient) alive at once: one pass's, or one chunk's. */
    logitsChunk: number;
    /**
     * Peak of the update phase: weights, the step's summed gradients, moments, and the scratch of the norm,
     * clipping and AdamW for the largest parameter. The step's peak is the larger of this and the backward's.
     */
    update: number;
    /** max(weights + gradients + optimizer + activations, update). */
    total: number;
  };
  /** The same step's activations with and without gradient checkpointing (the other settings as given). */
  activationsWithCheckpointing: number;
  activationsWithoutCheckpointing: number;
  parameters: number;
  trainableParameters: number;
}

const F32 = 4;
/** Logits per pass above which `dft train` chunks the LM-head losses by default (as @dft/losses does). */
const LOGITS_CHUNK_ELEMENTS = 2 ** 24;

/**
 * Elements of every tensor the forward of one decoder layer creates, op by op as the model runs them (composite
 * kernels: each norm is square/mean/add/rsqrt/mul/mul; each linear a reshape, a product and a reshape, and tfjs
 * counts a reshape's bytes like any tensor's; rotary embedding split/neg/concat/mul/mul/add; attention scores
 * [heads, T, T] scaled, soft-capped (Gemma-2), biased and soft-maxed, each kept twice: as an op's output and as the
 * input the next op saves for its gradient, a clone tfjs counts like any tensor): about what a layer run whole leaves
 * for the backward, as measured on the cpu backend.
 */
function layerElements(c: ModelConfig, B: number, T: number): number {
  const N = B * T;
  const D = c.hiddenSize;
  const I = c.intermediateSize;
  const Q = c.numHeads * c.headDim;
  const K = c.numKvHeads * c.headDim;
  const S = B * c.numHeads * T * T;
  const norm = 3 * N * D + 3 * N;
  const gqa = c.numHeads !== c.numKvHeads ? 2 * N * Q : 0;
  // q and k: projection (input reshape, product, reshape, 4-D reshape), rotary (5.5), transpose; v: no rotary.
  const attention = 3 * N * D + (4 + 5.5) * N * Q + N * Q + (4 + 5.5) * N * K + N * K + 4 * N * K + gqa + N * Q /* kᵀ */ +
    S * (c.attnLogitSoftcapping ? 11 : 8) + 4 * N * Q /* out, transpose, reshape, o input */ + 2 * N * D;
  const activation = c.activation === 'silu' ? 3 * N * I : 10 * N * I;
  const mlp = 2 * (N * D + 2 * N * I) + activation + N * I + 2 * N * D;
  const norms = c.modelType === 'gemma2' ? 4 : 2;
  return norms * norm + attention + mlp + 2 * N * D;
}

/** Elements of one pass through the final norm and LM head over `tokens` tokens, with its cross-entropy. */
function headElements(c: ModelConfig, tokens: number): number {
  const D = c.hiddenSize;
  const V = c.vocabSize;
  const norm = 3 * tokens * D + 3 * tokens;
  // The head reads its weight in place (a tied embedding through a transposed product, a frozen lens head as a
  // constant of the backward pass): no weight-sized copy. Logits: input reshape, product, reshape, soft-cap, loss reshape.
  const logits = tokens * D + 2 * tokens * V + (c.finalLogitSoftcapping ? 3 * tokens * V : 0) + tokens * V;
  return norm + logits;
}

/** One forward pass of a micro-batch: layers run, which head projects it (a lens head is frozen), whether it is differentiated. */
interface Pass {
  layers: number;
  head: 'none' | 'final' | 'lens';
  grad: boolean;
}

/** The forward passes of one micro-batch, in the order the objective runs them. */
function passes(s: PlanSettings, L: number): Pass[] {
  switch (s.method) {
    case 'sft':
    case 'tft':
      return [{ layers: L, head: 'final', grad: true }];
    case 'dft-logits':
      return [
        { layers: L, head: 'final', grad: true },
        ...(s.lcLayer === undefined ? [] : [{ layers: s.lcLayer, head: 'lens', grad: true } as const]),
        ...(s.etLayer === undefined ? [] : [{ layers: s.etLayer, head: 'lens', grad: true } as const]),
      ];
    case 'dft-feature': {
      const stop = Math.max(s.lcLayer ?? 0, s.etLayer === undefined ? 0 : L);
      return [
        { layers: L, head: 'final', grad: true },
        { layers: stop, head: 'none', grad: s.detachTeacher === false },
      ];
    }
    default:
      throw new Error(`plan: unknown method ${JSON.stringify(s.method)} (sft, tft, dft-logits, dft-feature)`);
  }
}

/**
 * One micro-batch's forward and backward, replayed event by event over tensor elements: the forward's passes in order
 * (each holding its own tensors while it runs and keeping what its ops saved), then the backward as core's
 * `variableGrads` runs it, freeing each op's saved tensors and its outputs' gradients once its gradients are out and
 * keeping one running gradient per parameter. The passes are differentiated last to first; in each, the head's loss,
 * then the layers from the top, then its embedding lookup (or, when the passes share one lookup, that lookup after
 * them all). The peak is the largest live total at any event. Counted as tfjs counts (`peakBytes`): a saved input is a
 * clone, which tfjs counts as a tensor of its own though it shares the buffer.
 */
function stepElements(c: ModelConfig, s: PlanSettings, checkpointing: boolean): { peak: number; gradients: number; logits: number } {
  const N = s.microBatch * s.seqLen;
  const D = c.hiddenSize;
  const V = c.vocabSize;
  const layer = layerElements(c, s.microBatch, s.seqLen);
  const chunkTokens = s.lossChunkTokens ?? (N * V > LOGITS_CHUNK_ELEMENTS ? Math.max(1, Math.floor(LOGITS_CHUNK_ELEMENTS / V)) : 0);
  const chunked = chunkTokens > 0 && chunkTokens < N;
  const chunk = chunked ? chunkTokens : N;
  const specs = parameterSpecs(c).map((p) => ({ name: p.name, size: p.shape.reduce((a, b) => a * b, 1) }));
  const parameters = specs.reduce((n, p) => n + p.size, 0);
  // Frozen parameters get no gradient: none for the named frozen ones, else the trainable share of every gradient.
  const trains = s.trainableNames ? new Set(s.trainableNames) : null;
  const share = trains ? 1 : (s.trainableParams ?? parameters) / parameters;
  const sizeOf = new Map(specs.map((p) => [p.name, trains && !trains.has(p.name) ? 0 : p.size * share]));
  const headWeight = c.tieWordEmbeddings ? 'model.embed_tokens.weight' : 'lm_head.weight';
  const all = passes(s, c.numLayers);
  // The objective looks up the ids of all its differentiated passes at once (one [1, tokens] lookup, split into the
  // passes' [batch, time] pieces), so the table gets one gradient per step; a single pass, or one without gradient,
  // looks up its own. Gemma-2 then scales each pass's embeddings by sqrt(hidden).
  const sharedLookup = all.filter((p) => p.grad).length > 1;
  const scaled = c.modelType === 'gemma2' ? N * D : 0;
  const shares = (p: Pass) => sharedLookup && p.grad;
  const sharedEmbed = sharedLookup ? all.filter(shares).length * N * D : 0;
  const embedElements = (p: Pass) => (shares(p) ? 2 * N * D : N * D) + scaled;
  // A chunked loss keeps the normed hidden states only (its head is data); a whole one every tensor of the head.
  const headKept = (p: Pass) => (p.head === 'none' ? 0 : chunked ? 3 * N * D + 3 * N + 2 * N * D : headElements(c, N));
  const kept = (p: Pass) => embedElements(p) + (checkpointing ? p.layers * 2 * N * D : p.layers * layer) + headKept(p);
  // One chunk of a chunked loss: its logits and log-sum-exp (and the soft-cap); in the backward also the softmax,
  // one-hot, difference and scaling (and the soft-cap's derivative).
  const chunkScratch = (backward: boolean) => (backward ? (c.finalLogitSoftcapping ? 9 : 6) : c.finalLogitSoftcapping ? 5 : 3) * chunk * V;

  // Forward: each pass's tensors stay while it runs; when it ends, what its ops saved for the backward stays (`kept`)
  // and the rest goes. Beyond what it keeps, a pass holds for a while the outputs no op saved (about three quarters
  // of a layer's elements per layer run whole; one layer's, within a recomputed layer's forward) or its loss's
  // forward (a whole cross-entropy: ~6.5 logits-sized tensors; a chunked one: one chunk's, as in its backward).
  const lossForward = (p: Pass) => (p.head === 'none' ? 0 : chunked ? chunkScratch(false) : 6.5 * N * V);
  const layersForward = (p: Pass) => (checkpointing ? (p.layers > 0 ? 0.8 * layer : 0) : 0.75 * p.layers * layer);
  let live = sharedEmbed;
  let peak = live;
  const at = (scratch: number) => (peak = Math.max(peak, live + scratch));
  for (const p of all) {
    at(kept(p) + Math.max(lossForward(p), layersForward(p)));
    if (p.grad) live += kept(p); // a pass without gradient frees its tensors when it ends
  }
  // Backward (core's `variableGrads`, as PyTorch's): passes last to first; in each, the head's loss, the layers from
  // the top, the embedding lookup; the shared lookup after them all. An op's saved tensors go once its gradients
  // are out, and so do the gradients of its outputs; a parameter's gradient is one running sum (while adding a
  // term: the sum, the term and the new sum).
  const reads = new Map<string, number>();
  let gradients = 0;
  const parameterGradient = (name: string) => {
    const size = sizeOf.get(name)!;
    const k = (reads.get(name) ?? 0) + 1;
    reads.set(name, k);
    at(k > 1 ? 2 * size : size);
    if (k === 1) {
      live += size;
      gradients += size;
    }
  };
  for (const p of [...all].reverse()) {
    if (!p.grad) continue;
    if (p.head !== 'none') {
      const trained = p.head === 'final';
      if (chunked) {
        // For a trained head, the chunk's term of the weight gradient and the running sum over chunks (old sum,
        // term, new sum); with the fused kernels the one weight gradient only (frozen heads keep the composite).
        const sums = Math.min(Math.ceil(N / chunk), 3);
        if (trained && s.fusedHeadNll) at(sizeOf.get(headWeight)!);
        else at(chunkScratch(true) + (trained ? sums * sizeOf.get(headWeight)! : 0));
      } else {
        // The cross-entropy's backward: softmax, one-hot, difference, scaled.
        at(4 * N * V);
      }
      live -= headKept(p);
      parameterGradient('model.norm.weight');
      if (trained) parameterGradient(headWeight);
    }
    for (let i = p.layers - 1; i >= 0; i--) {
      const names = specs.filter((q) => q.name.startsWith(`model.layers.${i}.`)).map((q) => q.name);
      // A recomputed layer: its replay and that replay's backward (tfjs's own, which frees at its end), with its
      // gradients; a whole layer: its saved tensors go as its gradients come.
      if (checkpointing) at(2 * layer + names.reduce((n, name) => n + sizeOf.get(name)!, 0));
      live -= checkpointing ? 2 * N * D : layer;
      for (const name of names) parameterGradient(name);
    }
    live -= embedElements(p);
    if (!shares(p)) parameterGradient('model.embed_tokens.weight');
  }
  if (sharedLookup) {
    live -= sharedEmbed;
    parameterGradient('model.embed_tokens.weight');
  }
  return { peak, gradients, logits: all.some((p) => p.head !== 'none') ? 2 * chunk * V : 0 };
}

/** Per-rank memory of a training step: weights, gradients, AdamW moments (sharded by ZeRO), activations. */
export function planMemory(c: ModelConfig, s: PlanSettings): MemoryPlan {
  for (const [k, v] of [['microBatch', s.microBatch], ['seqLen', s.seqLen]] as const) {
    if (!Number.isInteger(v) || v < 1) throw new Error(`plan: ${k} must be a positive integer, got ${v}`);
  }
  const workers = s.workers ?? 1;
  const stage = workers > 1 ? s.zeroStage ?? 0 : 0;
  const parameters = parameterSpecs(c).reduce((n, p) => n + p.shape.reduce((a, b) => a * b, 1), 0);
  const sizes = parameterSpecs(c).map((p) => ({ name: p.name, size: p.shape.reduce((a, b) => a * b, 1) }));
  const trainableSizes = s.trainableNames ? sizes.filter((p) => s.trainableNames!.includes(p.name)) : sizes;
  const trainable = s.trainableNames ? trainableSizes.reduce((n, p) => n + p.size, 0) : s.trainableParams ?? parameters;
  const weights = F32 * parameters;
  const checkpointing = s.gradientCheckpointing ?? false;
  const run = stepElements(c, s, checkpointing);
  const other = stepElements(c, s, !checkpointing);
  // The gradients of one micro-batch's backward (every read of a parameter), and the running sum when micro-batches
  // accumulate. The backward produces every gradient before the reduction, so ZeRO-2's reduce-scatter frees them
  // only after the peak.
  const accumulated = (s.accumulation ?? 1) > 1 ? trainable : 0;
  const gradients = F32 * Math.round(run.gradients + accumulated);
  const optimizer = stage > 0 ? 2 * F32 * Math.ceil(trainable / workers) : 2 * F32 * trainable;
  // Activations: the rest of the backward's peak (kept tensors, their gradients, the scratch of the peak's phase).
  const activationsOf = (r: { peak: number; gradients: number }) => F32 * Math.round(r.peak - r.gradients);
  const activations = activationsOf(run);
  // AdamW's scratch is that of the largest parameter it updates (bounded by the trainable total when only a count is known).
  const largest = Math.min(Math.max(...trainableSizes.map((p) => p.size)), trainable);
  // ZeRO-2 reduce-scatters the summed gradients before the update: a rank then holds its slices only.
  const summed = stage === 2 ? F32 * Math.ceil(trainable / workers) : F32 * trainable * ((s.accumulation ?? 1) > 1 ? 2 : 1);
  // The composite AdamW (@dft/ops `adamwUpdateComposite`) works in blocks of rows: ≤ 2 × the parameter's scratch when it
  // spans several blocks, ≤ 3 × when it is one. The fused kernel writes in place, but its three outputs (parameter
  // and moments, sharing the inputs' storage) are tensors tfjs counts until they are assigned: 3 × (measured on the
  // native backend, bench/real-shapes.mjs).
  const update = weights + summed + optimizer + F32 * largest * (s.fusedOptimizer || largest <= ADAMW_BLOCK_ELEMENTS ? 3 : 2);
  const backward = weights + gradients + optimizer + activations;
  return {
    perRank: { weights, gradients, optimizer, activations, logitsChunk: F32 * run.logits, update, total: Math.max(backward, update) },
    activationsWithCheckpointing: checkpointing ? activations : activationsOf(other),
    activationsWithoutCheckpointing: checkpointing ? activationsOf(other) : activations,
    parameters,
    trainableParameters: trainable,
  };
}
