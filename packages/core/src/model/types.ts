import type * as tf from '@tensorflow/tfjs-core';
import type { KVCache } from './kv-cache.js';

/** Options of one forward pass. Shapes: ids `[batch, time]` int32. */
export interface ForwardOptions {
  /**
   * `[batch, time]`, or with a cache `[batch, pastLength + time]` (HF convention: its past part replaces the cached
   * mask, so past slots can be hidden), 1 = real token, 0 = padding.
   */
  attentionMask?: tf.Tensor2D;
  /**
   * Hidden states to return, HF `output_hidden_states` convention: 0 = embedding output, k = after layer k,
   * `numLayers` = final-normed output. `'all'` = 0..numLayers (or 0..stopAtLayer).
   */
  capture?: readonly number[] | 'all';
  /** Run layers 1..k only (k in 0..numLayers); no logits are computed unless `logits: true` and k = numLayers. */
  stopAtLayer?: number;
  /** Compute logits (default: true when the pass runs every layer, false with `stopAtLayer < numLayers`). */
  logits?: boolean;
  /** `'last'`: logits of the last position only (`[batch, 1, vocab]`), what decoding needs. Default `'all'`. */
  logitsOf?: 'all' | 'last';
  /** Key/value cache for incremental decoding; it is extended in place with this call's keys and values. */
  cache?: KVCache;
  /**
   * `[batch, time, hidden]` float32: the input embeddings of `ids` (`embedTokens(ids)`, or any other rows), used in
   * place of the model's own lookup, as HF's `inputs_embeds`. `ids` still give the pass's shape. Gemma-2 scales them
   * by sqrt(hidden) as it scales its own lookup. What lets several passes share one lookup (one table gradient).
   */
  inputsEmbeds?: tf.Tensor3D;
}

export interface ForwardResult {
  /** `[batch, time, vocab]` float32 (Gemma: after the final soft-cap). */
  logits?: tf.Tensor3D;
  /** Captured hidden states `[batch, time, hidden]` by HF index. */
  hidden: Map<number, tf.Tensor3D>;
}

export interface LmHeadOptions {
  /** Let no gradient reach the final norm and head weights (the gradient still flows into `h`). */
  frozen?: boolean;
}

/**
 * The LM head of one hidden state as data, for losses that project a few positions at a time: `norm` (the final
 * norm; identity for hidden state L, already final-normed), then `logits = norm(h) · weight` (`weight` `[hidden,
 * vocab]`, or `[vocab, hidden]` when `transposed`: tied embeddings, used without a copy), then the soft-cap.
 */
export interface LmHead {
  norm(h: tf.Tensor3D, opts: { frozen: boolean }): tf.Tensor3D;
  weight: tf.Tensor2D;
  transposed: boolean;
  softcap: number | null;
}
