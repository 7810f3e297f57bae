import type * as tf from '@tensorflow/tfjs-core';

/*
 * The model contract the DFT objective (and @dft/eval) consumes, defined here only. @dft/core's CausalLM satisfies it
 * structurally (TypeScript matches by shape; model-contract.test.ts checks it), so a core model is passed as is,
 * while this package never imports core and any other tfjs model can implement it in a few lines.
 */

/** Options of one forward pass. Shapes: ids `[batch, time]` int32. */
export interface ForwardOptions {
  /** `[batch, time]`, 1 = real token, 0 = padding. */
  attentionMask?: tf.Tensor2D;
  /**
   * Hidden states to return, HF `output_hidden_states` convention: 0 = embedding output, k = after layer k,
   * `numLayers` = final-normed output. `'all'` = 0..numLayers (or 0..stopAtLayer).
   */
  capture?: readonly number[] | 'all';
  /** Run layers 1..k only (k in 0..numLayers); layers above k must not be computed. */
  stopAtLayer?: number;
  /** Compute logits (default: true when the pass runs every layer, false with `stopAtLayer < numLayers`). */
  logits?: boolean;
  /**
   * `[batch, time, hidden]`: input embeddings (from `embedTokens`) used in place of the model's lookup of `ids`, as
   * HF's `inputs_embeds`. Passed only to a model that has `embedTokens`.
   */
  inputsEmbeds?: tf.Tensor3D;
}

export interface ForwardResult {
  /** `[batch, time, vocab]` float32. */
  logits?: tf.Tensor3D;
  /** Captured hidden states `[batch, time, hidden]` by HF index. */
  hidden: Map<number, tf.Tensor3D>;
}

export interface LmHeadOptions {
  /**
   * Let no gradient reach the final-norm and head weights while the gradient still flows into `h`
   * (apply `stopGradient` to those weights, not to `h`).
   */
  frozen?: boolean;
}

/**
 * A logit-lens projection `[batch, time, hidden] -> [batch, time, vocab]`: final norm + LM head (+ any final
 * soft-cap) of the model, honouring `frozen`. A one-argument function is accepted too; it then decides alone whether
 * its weights get gradients.
 */
export type LogitLensHead = (h: tf.Tensor3D, opts?: LmHeadOptions) => tf.Tensor3D;

/**
 * The LM head of one hidden state, split for the chunked losses: `norm` (the final norm, identity for a state that
 * is already final-normed), applied per position, then the linear projection with its soft-cap.
 */
export interface LmHead {
  /** Final norm of `h` `[batch, time, hidden]`; `frozen`: no gradient to its weight (the gradient still reaches `h`). */
  norm(h: tf.Tensor3D, opts: { frozen: boolean }): tf.Tensor3D;
  /** `[hidden, vocab]`, or `[vocab, hidden]` with `transposed` (tied embeddings). */
  weight: tf.Tensor2D;
  transposed: boolean;
  /** Final logit soft-cap (Gemma-2), or null. */
  softcap: number | null;
}

/** What `dftObjective` needs of a model: forward with hidden-state hooks, and the logit lens. */
export interface HookedCausalLM {
  readonly numLayers: number;
  forward(ids: tf.Tensor2D, opts?: ForwardOptions): ForwardResult;
  /** Final norm + head applied to a raw residual-stream state h_k, k < numLayers. */
  lmHead(h: tf.Tensor3D, opts?: LmHeadOptions): tf.Tensor3D;
  /** Lens of HF hidden state `layer`: `lmHead(h)` for layer < numLayers, the head alone at numLayers. */
  logitLens(h: tf.Tensor3D, layer: number, opts?: LmHeadOptions): tf.Tensor3D;
  /** The head of hidden state `layer` as data (final norm + projection): lets the losses chunk it. Optional. */
  lmHeadOf?(layer: number): LmHead;
  /**
   * The input-embedding rows of `ids` `[batch, time]` → `[batch, time, hidden]` (HF's `get_input_embeddings()(ids)`),
   * which `forward` then takes as `inputsEmbeds`. Optional: with it, the objective looks up the ids of all its
   * differentiated passes at once, so the embedding table gets one gradient per step instead of one per pass.
   */
  embedTokens?(ids: tf.Tensor2D): tf.Tensor3D;
}
