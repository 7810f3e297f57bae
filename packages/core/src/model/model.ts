import * as tf from '@tensorflow/tfjs-core';
import { gatedActivation, rmsNorm, stopGradient } from '@dft/ops';
import { frozenMatMul, isFrozenVariable } from '@dft/ops/internal';
import '../backend/gradients.js';
import { attentionBias, positionIds } from './attention-mask.js';
import type { ModelConfig } from './config.js';
import { parameterSpecs } from './config.js';
import { embeddingLookup } from './embedding-lookup.js';
import { KVCache } from './kv-cache.js';
import { recomputeInBackward } from './recompute.js';
import { applyRope, inverseFrequencies, ropeTables } from './rope.js';
import type { ForwardOptions, ForwardResult, LmHead, LmHeadOptions } from './types.js';

/** Linear weights are held as `[in, out]` (HF stores `[out, in]`): a plain 2-D product is the fast path on wasm. */
export function isLinearWeight(name: string): boolean {
  return name.endsWith('_proj.weight') || name === 'lm_head.weight';
}

interface PassContext {
  batch: number;
  time: number;
  width: number;
  cos: tf.Tensor4D;
  sin: tf.Tensor4D;
  fullBias: tf.Tensor4D;
  slidingBias: tf.Tensor4D | null;
  cache?: KVCache;
}

/** The tensor of a parameter by HF name (the model's variable, or the stand-in a recomputed layer was given). */
type ParamOf = (name: string) => tf.Tensor;

/**
 * A decoder-only transformer (LLaMA family, Gemma-2) following Hugging Face's semantics, with hidden-state hooks
 * and the logit lens: the model contract of @dft/losses (`HookedCausalLM`, checked by a type test there).
 * Parameters are `tf.Variable`s keyed by HF tensor name.
 */
export class CausalLM {
  readonly config: ModelConfig;
  readonly params: Map<string, tf.Variable>;
  private readonly invFreq: Float32Array;
  /**
   * Gradient checkpointing (HF's `gradient_checkpointing`): a pass under a gradient tape keeps only each decoder
   * layer's input, and the backward pass recomputes the layer from it. Same gradients, less memory, one more forward
   * pass of the layers. Passes with a KV cache (decoding) never recompute.
   */
  gradientCheckpointing = false;
  /** Gemma-2: embeddings × sqrt(hidden), RMSNorm × (1 + w), sandwich norms around attention and MLP. */
  private readonly gemma: boolean;

  constructor(config: ModelConfig, params: Map<string, tf.Variable>) {
    this.config = config;
    this.params = params;
    this.invFreq = inverseFrequencies(config.rope, config.headDim);
    this.gemma = config.modelType === 'gemma2';
    for (const spec of parameterSpecs(config)) {
      const p = params.get(spec.name);
      if (!p) throw new Error(`model: parameter ${spec.name} is missing`);
      const want = isLinearWeight(spec.name) ? [spec.shape[1], spec.shape[0]] : spec.shape;
      if (!tf.util.arraysEqual(p.shape, want)) {
        throw new Error(`model: parameter ${spec.name} has shape [${p.shape}], expected [${want}]`);
      }
    }
  }

  get numLayers(): number {
    return this.config.numLayers;
  }

  private p(name: string): tf.Variable {
    return this.params.get(name)!;
  }

  forward(ids: tf.Tensor2D, opts: ForwardOptions = {}): ForwardResult {
    const L = this.config.numLayers;
    const stop = opts.stopAtLayer ?? L;
    if (!Number.isInteger(stop) || stop < 0 || stop > L) {
      throw new Error(`forward: stopAtLayer ${stop} is out of range 0..${L}`);
    }
    const capture = opts.capture === 'all' ? Array.from({ length: stop + 1 }, (_, k) => k) : [...(opts.capture ?? [])];
    for (const k of capture) {
      if (!Number.isInteger(k) || k < 0 || k > stop) {
        const why = k > L || k < 0 ? `out of range 0..${L}` : `above stopAtLayer ${stop}`;
        throw new Error(`forward: capture layer ${k} is ${why}`);
      }
    }
    const wantLogits = opts.logits ?? stop === L;
    if (wantLogits && stop !== L) throw new Error(`forward: logits need every layer (stopAtLayer ${stop} < ${L})`);
    if (ids.rank !== 2) throw new Error(`forward: ids must be [batch, time], got shape [${ids.shape}]`);

    const [batch, time] = ids.shape;
    const given = opts.inputsEmbeds;
    if (given && (given.rank !== 3 || given.dtype !== 'float32' || !tf.util.arraysEqual(given.shape, [batch, time, this.config.hiddenSize]))) {
      throw new Error(`forward: inputsEmbeds must be float32 [${batch}, ${time}, ${this.config.hiddenSize}] (ids [${batch}, ${time}]), got ${given.dtype} [${given.shape}]`);
    }
    const mask = this.readMask(opts.attentionMask, batch, time, opts.cache);
    const width = mask.length / batch;
    const outputs = tf.tidy(() => {
      const ctx = this.passContext(mask, batch, time, width, opts.cache);
      const kept: tf.Tensor3D[] = [];
      const keepIf = (k: number, h: tf.Tensor3D) => {
        if (capture.includes(k)) kept[capture.indexOf(k)] = h;
      };
      let x = this.embed(ids, opts.inputsEmbeds);
      keepIf(0, x);
      for (let i = 0; i < stop; i++) {
        x = this.gradientCheckpointing && !opts.cache ? this.recomputedLayer(i, x, ctx, mask) : this.layer(i, x, ctx);
        if (i + 1 < L) keepIf(i + 1, x);
      }
      let logits: tf.Tensor3D | undefined;
      if (stop === L) {
        const normed = this.norm(x, this.p('model.norm.weight'));
        keepIf(L, normed);
        if (wantLogits) logits = this.head(opts.logitsOf === 'last' ? lastPosition(normed) : normed, false);
      }
      return { kept, logits };
    });
    const hidden = new Map<number, tf.Tensor3D>();
    capture.forEach((k, i) => hidden.set(k, outputs.kept[i]));
    return outputs.logits ? { logits: outputs.logits, hidden } : { hidden };
  }

  lmHead(h: tf.Tensor3D, opts: LmHeadOptions = {}): tf.Tensor3D {
    return tf.tidy(() => {
      const w = this.p('model.norm.weight');
      return this.head(this.norm(h, opts.frozen ? stopGradient(w) : w), opts.frozen ?? false);
    });
  }

  logitLens(h: tf.Tensor3D, layer: number, opts: LmHeadOptions = {}): tf.Tensor3D {
    const L = this.config.numLayers;
    if (!Number.isInteger(layer) || layer < 0 || layer > L) throw new Error(`logitLens: layer ${layer} is out of range 0..${L}`);
    return layer === L ? tf.tidy(() => this.head(h, opts.frozen ?? false)) : this.lmHead(h, opts);
  }

  lmHeadOf(layer: number): LmHead {
    const L = this.config.numLayers;
    if (!Number.isInteger(layer) || layer < 0 || layer > L) throw new Error(`lmHeadOf: layer ${layer} is out of range 0..${L}`);
    const tied = this.config.tieWordEmbeddings;
    return {
      norm:
        layer === L
          ? (h) => h
          : (h, { frozen }) => {
              const w = this.p('model.norm.weight');
              return this.norm(h, frozen ? stopGradient(w) : w);
            },
      weight: this.p(tied ? 'model.embed_tokens.weight' : 'lm_head.weight') as tf.Tensor2D,
      transposed: tied,
      softcap: this.config.finalLogitSoftcapping,
    };
  }

  /**
   * The rows of the input embedding for `ids` `[batch, time]` (HF's `get_input_embeddings()(ids)`: unscaled), what
   * `forward`'s `inputsEmbeds` takes. Differentiable into `model.embed_tokens.weight`; only the ids are kept for it.
   */
  embedTokens(ids: tf.Tensor2D): tf.Tensor3D {
    if (ids.rank !== 2) throw new Error(`embedTokens: ids must be [batch, time], got shape [${ids.shape}]`);
    return tf.tidy(() => embeddingLookup(this.p('model.embed_tokens.weight') as tf.Tensor2D, tf.cast(ids, 'int32')));
  }

  /** Frees the parameters. */
  dispose(): void {
    for (const v of this.params.values()) v.dispose();
  }

  private readMask(m: tf.Tensor2D | undefined, batch: number, time: number, cache?: KVCache): Int32Array {
    let mask: Int32Array | null = null;
    const past = cache?.length ?? 0;
    if (m) {
      const data = Int32Array.from(m.dataSync());
      if (m.shape[0] !== batch || (m.shape[1] !== time && m.shape[1] !== past + time)) {
        throw new Error(`forward: attentionMask shape [${m.shape}] does not match ids [${batch}, ${time}] (past ${past})`);
      }
      if (m.shape[1] !== time) {
        // A full-width mask (past + new), as in HF: its past part replaces the cached one (e.g. to hide slots).
        const width = past + time;
        cache!.mask = data.filter((_, i) => i % width < past);
        mask = data.filter((_, i) => i % width >= past);
      } else {
        mask = data;
      }
    }
    if (cache) return cache.extendMask(batch, time, mask);
    return mask ?? new Int32Array(batch * time).fill(1);
  }

  private passContext(mask: Int32Array, batch: number, time: number, width: number, cache?: KVCache): PassContext {
    const c = this.config;
    const positions = positionIds(mask, batch, width, time);
    const { cos, sin } = ropeTables(this.frequenciesFor(positions), positions, batch, time);
    const sliding = c.slidingLayers.some(Boolean) ? attentionBias(mask, batch, width, time, c.slidingWindow) : null;
    const full = c.slidingLayers.every(Boolean) ? sliding! : attentionBias(mask, batch, width, time, null);
    return { batch, time, width, cos, sin, fullBias: full, slidingBias: sliding, cache };
  }

  /** Dynamic NTK rescales once a pass reaches beyond `max_position_embeddings`; every other type is fixed. */
  private frequenciesFor(positions: Int32Array): Float32Array {
    const rope = this.config.rope;
    if (rope.type !== 'dynamic') return this.invFreq;
    const seqLen = positions.reduce((m, p) => Math.max(m, p), 0) + 1;
    return seqLen > rope.maxPositionEmbeddings ? inverseFrequencies(rope, this.config.headDim, seqLen) : this.invFreq;
  }

  private embed(ids: tf.Tensor2D, given: tf.Tensor3D | undefined): tf.Tensor3D {
    const c = this.config;
    const x = given ?? this.embedTokens(ids);
    // Gemma scales by sqrt(hidden) rounded to the activation dtype (float32 here).
    return this.gemma ? tf.mul(x, Math.fround(Math.sqrt(c.hiddenSize))) : x;
  }

  /** RMSNorm `x·rsqrt(mean(x²) + eps)·w` (Gemma: `·(1 + w)`). */
  private norm(x: tf.Tensor3D, w: tf.Tensor): tf.Tensor3D {
    return rmsNorm(x, w as tf.Tensor1D, this.config.rmsNormEps, this.gemma ? 1 : 0);
  }

  /** `[batch, time, in] · [in, out]` as one 2-D product. */
  private linear(x: tf.Tensor3D, w: tf.Tensor2D): tf.Tensor3D {
    const [b, t, d] = x.shape;
    return tf.reshape(tf.matMul(tf.reshape(x, [b * t, d]), w), [b, t, w.shape[1]]);
  }

  /**
   * The LM head: a tied `[vocab, hidden]` embedding is multiplied transposed in place (no transposed copy, and its
   * gradient comes out `[vocab, hidden]` directly); a frozen head (the logit lens, or a weight marked not trainable)
   * is a constant of the backward pass, so it is neither copied nor given a gradient.
   */
  private head(normed: tf.Tensor3D, frozen: boolean): tf.Tensor3D {
    const c = this.config;
    const tied = c.tieWordEmbeddings;
    const w = this.p(tied ? 'model.embed_tokens.weight' : 'lm_head.weight') as tf.Tensor2D;
    const [b, t, d] = normed.shape;
    const x = tf.reshape(normed, [b * t, d]) as tf.Tensor2D;
    const z = frozen || isFrozenVariable(w) ? frozenMatMul(x, w, tied) : tf.matMul(x, w, false, tied);
    const logits = tf.reshape(z, [b, t, c.vocabSize]) as tf.Tensor3D;
    return c.finalLogitSoftcapping ? softcap(logits, c.finalLogitSoftcapping) : logits;
  }

  /**
   * Decoder layer i with its trained weights as explicit inputs of a recomputed op: only `x` is kept for the backward
   * pass, which replays the layer and differentiates it with respect to `x` and those weights. Frozen weights (marked
   * not trainable) are read as constants, so the replay computes no gradient for them. The pass context (rotary
   * tables, attention biases) is rebuilt from the host-side mask for the replay, since the forward's copies are
   * released with the forward pass.
   */
  private recomputedLayer(i: number, x: tf.Tensor3D, ctx: PassContext, mask: Int32Array): tf.Tensor3D {
    const prefix = `model.layers.${i}.`;
    const trained = [...this.params.keys()].filter((n) => n.startsWith(prefix) && !isFrozenVariable(this.p(n)));
    return recomputeInBackward(
      ([h], weights, pass) => {
        const given = new Map(trained.map((n, k) => [n, weights[k]!]));
        const passCtx = pass === 'forward' ? ctx : this.passContext(mask, ctx.batch, ctx.time, ctx.width);
        return this.layer(i, h as tf.Tensor3D, passCtx, (n) => given.get(n) ?? this.p(n));
      },
      [x],
      trained.map((n) => this.p(n)),
    );
  }

  private layer(i: number, x: tf.Tensor3D, ctx: PassContext, param: ParamOf = (n) => this.p(n)): tf.Tensor3D {
    const p = `model.layers.${i}`;
    const w = (n: string) => param(`${p}.${n}.weight`);
    if (this.gemma) {
      const a = this.norm(this.attention(i, this.norm(x, w('input_layernorm')), ctx, param), w('post_attention_layernorm'));
      const h: tf.Tensor3D = tf.add(x, a);
      const m = this.norm(this.mlp(i, this.norm(h, w('pre_feedforward_layernorm')), param), w('post_feedforward_layernorm'));
      return tf.add(h, m);
    }
    const h: tf.Tensor3D = tf.add(x, this.attention(i, this.norm(x, w('input_layernorm')), ctx, param));
    return tf.add(h, this.mlp(i, this.norm(h, w('post_attention_layernorm')), param));
  }

  private mlp(i: number, x: tf.Tensor3D, param: ParamOf): tf.Tensor3D {
    const p = `model.layers.${i}.mlp`;
    const gate = this.linear(x, param(`${p}.gate_proj.weight`) as tf.Tensor2D);
    const up = this.linear(x, param(`${p}.up_proj.weight`) as tf.Tensor2D);
    const gated = gatedActivation(gate, up, this.config.activation === 'silu' ? 'silu' : 'gelu_tanh');
    return this.linear(gated, param(`${p}.down_proj.weight`) as tf.Tensor2D);
  }

  private attention(i: number, x: tf.Tensor3D, ctx: PassContext, param: ParamOf): tf.Tensor3D {
    const c = this.config;
    const { batch: B, time: T } = ctx;
    const H = c.numHeads;
    const KV = c.numKvHeads;
    const hd = c.headDim;
    const p = `model.layers.${i}.self_attn`;
    const proj = (n: string, heads: number) =>
      tf.reshape(this.linear(x, param(`${p}.${n}_proj.weight`) as tf.Tensor2D), [B, T, heads, hd]) as tf.Tensor4D;
    const q = tf.transpose(applyRope(proj('q', H), ctx.cos, ctx.sin), [0, 2, 1, 3]);
    let k = tf.transpose(applyRope(proj('k', KV), ctx.cos, ctx.sin), [0, 2, 1, 3]) as tf.Tensor4D;
    let v = tf.transpose(proj('v', KV), [0, 2, 1, 3]) as tf.Tensor4D;
    if (ctx.cache) ({ k, v } = ctx.cache.append(i, k, v));
    // GQA: query head h reads kv head floor(h / group).
    const group = H / KV;
    const kvHead = tf.tensor1d(Array.from({ length: H }, (_, h) => Math.floor(h / group)), 'int32');
    const expand = (t: tf.Tensor4D) => (group === 1 ? t : (tf.gather(t, kvHead, 1) as tf.Tensor4D));
    const kT = tf.transpose(expand(k), [0, 1, 3, 2]);
    let scores = tf.mul(tf.matMul(q, kT), Math.pow(c.queryPreAttnScalar, -0.5)) as tf.Tensor4D;
    if (c.attnLogitSoftcapping) scores = softcap(scores, c.attnLogitSoftcapping);
    scores = tf.add(scores, c.slidingLayers[i] ? ctx.slidingBias! : ctx.fullBias);
    const out = tf.matMul(tf.softmax(scores), expand(v)); // [B, H, T, hd]
    const merged = tf.reshape(tf.transpose(out, [0, 2, 1, 3]), [B, T, H * hd]) as tf.Tensor3D;
    return this.linear(merged, param(`${p}.o_proj.weight`) as tf.Tensor2D);
  }
}

function lastPosition(h: tf.Tensor3D): tf.Tensor3D {
  const [b, t, d] = h.shape;
  return tf.slice(h, [0, t - 1, 0], [b, 1, d]);
}

/** `tanh(x / cap) · cap` (Gemma-2 attention and final soft-capping). */
function softcap<T extends tf.Tensor>(x: T, cap: number): T {
  return tf.mul(tf.tanh(tf.div(x, cap)), cap);
}
