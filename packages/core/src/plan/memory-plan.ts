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
  workers?: number;
  zeroStage?: 0 | 1 | 2;
  /** The dft-feature teacher pass without gradient (default true). */
  detachTeacher?: boolean;
  /** AdamW as one in-place kernel per parameter (the native backend); otherwise ~14 elementwise ops, each a copy. */
  fusedOptimizer?: boolean;
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

/**
 * Elements of every tensor the forward of one decoder layer creates, op by op as the model runs them (composite
 * kernels: each norm is square/mean/add/rsqrt/mul/mul; each linear a reshape, a product and a reshape, and tfjs
 * counts a reshape's bytes like any tensor's; rotary embedding split/neg/concat/mul/mul/add; attention scores
 * [heads, T, T] scaled, soft-capped (Gemma-2), biased and soft-maxed). tfjs keeps every one of them until the
 * backward pass ends, and the backward keeps a gradient of each as large as it.
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
    S * (c.attnLogitSoftcapping ? 7 : 4) + 4 * N * Q /* out, transpose, reshape, o input */ + 2 * N * D;
  const activation = c.activation === 'silu' ? 3 * N * I : 10 * N * I;
  const mlp = 2 * (N * D + 2 * N * I) + activation + N * I + 2 * N * D;
  const norms = c.modelType === 'gemma2' ? 4 : 2;
  return norms * norm + attention + mlp + 2 * N * D;
}

/** Elements of one pass through the final norm and LM head over `tokens` tokens, with its cross-entropy. */
function headElements(c: ModelConfig, tokens: number, lens: boolean): number {
  const D = c.hiddenSize;
  const V = c.vocabSize;
  const norm = 3 * tokens * D + 3 * tokens;
  // Tied heads transpose the embedding (a weight-sized tensor); the lens heads are frozen (a stopped copy).
  const weightCopies = (c.tieWordEmbeddings ? 1 : 0) + (lens ? 1 : 0);
  const logits = tokens * D + 2 * tokens * V + (c.finalLogitSoftcapping ? 3 * tokens * V : 0) + tokens * V /* loss reshape */;
  return norm + weightCopies * V * D + logits;
}

/** The forward passes of one micro-batch: [layers run, whether a head projects it, whether it is a lens]. */
function passes(s: PlanSettings, L: number): { layers: number; head: 'none' | 'final' | 'lens'; grad: boolean }[] {
  switch (s.method) {
    case 'sft':
    case 'tft':
      return [{ layers: L, head: 'final', grad: true }];
    case 'dft-logits':
      return [
        { layers: L, head: 'final', grad: true },
        ...(s.lcLayer === undefined ? [] : [{ layers: s.lcLayer, head: s.lcLayer === L ? 'final' : 'lens', grad: true } as const]),
        ...(s.etLayer === undefined ? [] : [{ layers: s.etLayer, head: s.etLayer === L ? 'final' : 'lens', grad: true } as const]),
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
 * Elements of parameter gradients alive at the end of the backward: tfjs keeps the gradient of every use of a
 * variable (one per pass that reads it; the frozen lens heads' stopped copies get zeros) until the backward ends,
 * plus the running sum of a variable read more than once.
 */
function parameterGradientElements(c: ModelConfig, s: PlanSettings): number {
  const sizes = new Map(parameterSpecs(c).map((p) => [p.name, p.shape.reduce((a, b) => a * b, 1)]));
  const uses = new Map<string, number>();
  const use = (name: string) => uses.set(name, (uses.get(name) ?? 0) + 1);
  for (const p of passes(s, c.numLayers)) {
    if (!p.grad) continue;
    use('model.embed_tokens.weight');
    for (const name of sizes.keys()) {
      const layer = /^model\.layers\.(\d+)\./.exec(name);
      if (layer && Number(layer[1]) < p.layers) use(name);
    }
    if (p.head === 'none') continue;
    use('model.norm.weight');
    use(c.tieWordEmbeddings ? 'model.embed_tokens.weight' : 'lm_head.weight');
  }
  let n = 0;
  for (const [name, k] of uses) n += sizes.get(name)! * (k > 1 ? k + 1 : k);
  return n;
}

/** Activation bytes of one micro-batch's forward and backward at their peak. */
function activationBytes(c: ModelConfig, s: PlanSettings, checkpointing: boolean): { total: number; logits: number } {
  const B = s.microBatch;
  const T = s.seqLen;
  const N = B * T;
  const D = c.hiddenSize;
  const V = c.vocabSize;
  const layer = layerElements(c, B, T);
  const LOGITS_CHUNK_ELEMENTS = 2 ** 24;
  const chunkTokens = s.lossChunkTokens ?? (N * V > LOGITS_CHUNK_ELEMENTS ? Math.max(1, Math.floor(LOGITS_CHUNK_ELEMENTS / V)) : 0);
  const chunked = chunkTokens > 0 && chunkTokens < N;
  const chunk = chunked ? chunkTokens : N;
  let kept = 0;
  let gradOnly = 0;
  let biggestHead = 0;
  let lossBackward = 0;
  for (const p of passes(s, c.numLayers)) {
    const embed = N * D * (c.modelType === 'gemma2' ? 2 : 1);
    // Checkpointed: a layer keeps its input and output; the backward replays one layer at a time.
    const layers = checkpointing ? p.layers * 2 * N * D : p.layers * layer;
    // A chunked loss keeps the normed hidden states only (the head is applied as data, without weight copies) and
    // recomputes each chunk's logits in its backward.
    const head = p.head === 'none' ? 0 : chunked ? 3 * N * D + 3 * N + 2 * N * D : headElements(c, N, p.head === 'lens');
    const forward = embed + layers + head;
    if (p.grad) kept += forward;
    else gradOnly = Math.max(gradOnly, forward); // a pass without gradient frees its tensors when it ends
    biggestHead = Math.max(biggestHead, p.head === 'none' ? 0 : chunk * V);
    if (p.head === 'none') continue;
    if (chunked) {
      // One chunk's logits, softmax, one-hot, difference, scaled (and the soft-cap's derivative), plus the head
      // gradient's running sum and its chunk term for a trained head.
      const perChunk = (c.finalLogitSoftcapping ? 9 : 6) * chunk * V + (p.head === 'final' ? 2 * V * D : 0);
      lossBackward = Math.max(lossBackward, perChunk);
    } else {
      // The cross-entropy's backward (softmax, one-hot, difference, scaled) runs outside the per-input scopes of the
      // tape, so its four logits-sized tensors live until the backward ends.
      lossBackward += 4 * N * V;
    }
  }
  // Gradients of the kept tensors (as large as they are), plus the replay of one layer when checkpointing.
  const replay = checkpointing ? 2 * layer : 0;
  const total = 2 * kept + replay + lossBackward + gradOnly;
  return { total: F32 * total, logits: F32 * 2 * biggestHead };
}

/** Per-rank memory of a training step: weights, gradients, AdamW moments (sharded by ZeRO), activations. */
export function planMemory(c: ModelConfig, s: PlanSettings): MemoryPlan {
  for (const [k, v] of [['microBatch', s.microBatch], ['seqLen', s.seqLen]] as const) {
    if (!Number.isInteger(v) || v < 1) throw new Error(`plan: ${k} must be a positive integer, got ${v}`);
  }
  const workers = s.workers ?? 1;
  const stage = workers > 1 ? s.zeroStage ?? 0 : 0;
  const parameters = parameterSpecs(c).reduce((n, p) => n + p.shape.reduce((a, b) => a * b, 1), 0);
  const trainable = s.trainableParams ?? parameters;
  const weights = F32 * parameters;
  // The gradients of one micro-batch's backward (every use of a parameter), and the running sum when micro-batches
  // accumulate. The backward produces every gradient before the reduction, so ZeRO-2's reduce-scatter frees them
  // only after the peak.
  const perUse = Math.round(parameterGradientElements(c, s) * (trainable / parameters));
  const gradients = F32 * (perUse + ((s.accumulation ?? 1) > 1 ? trainable : 0));
  const optimizer = stage > 0 ? 2 * F32 * Math.ceil(trainable / workers) : 2 * F32 * trainable;
  const checkpointing = s.gradientCheckpointing ?? false;
  const act = activationBytes(c, s, checkpointing);
  const other = activationBytes(c, s, !checkpointing);
  const largest = Math.max(...parameterSpecs(c).map((p) => p.shape.reduce((a, b) => a * b, 1)));
  const summed = F32 * trainable * ((s.accumulation ?? 1) > 1 ? 2 : 1);
  const update = weights + summed + optimizer + F32 * largest * (s.fusedOptimizer ? 2 : 14);
  const backward = weights + gradients + optimizer + act.total;
  return {
    perRank: { weights, gradients, optimizer, activations: act.total, logitsChunk: act.logits, update, total: Math.max(backward, update) },
    activationsWithCheckpointing: checkpointing ? act.total : other.total,
    activationsWithoutCheckpointing: checkpointing ? other.total : act.total,
    parameters,
    trainableParameters: trainable,
  };
}
