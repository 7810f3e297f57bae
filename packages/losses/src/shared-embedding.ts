import * as tf from '@tensorflow/tfjs-core';
import type { HookedCausalLM } from './model.js';

/**
 * The input embeddings of several passes from one lookup of all their ids, one `[batch, time, hidden]` tensor per
 * `ids` `[batch, time]`, for `forward`'s `inputsEmbeds`. Why: every lookup of a table gives the table a dense
 * `[vocab, hidden]` gradient, and tfjs keeps each such gradient until the backward pass ends; one lookup per step
 * leaves one (for Gemma-2-2B, 2.36 GB instead of 2.36 GB per pass). Null when the model has no `embedTokens` or there
 * is a single pass (its own lookup is already one).
 */
export function embedTogether(model: HookedCausalLM, ids: readonly tf.Tensor2D[], context: string): tf.Tensor3D[] | null {
  if (typeof model.embedTokens !== 'function' || ids.length < 2) return null;
  const sizes = ids.map((t) => t.size);
  const total = sizes.reduce((a, b) => a + b, 0);
  const rows = model.embedTokens(tf.concat(ids.map((t) => tf.reshape(tf.cast(t, 'int32'), [1, -1])), 1) as tf.Tensor2D);
  if (rows?.rank !== 3 || rows.shape[0] !== 1 || rows.shape[1] !== total) {
    throw new Error(`${context}: model.embedTokens(ids [1, ${total}]) returned shape [${rows?.shape}], expected [1, ${total}, hidden]`);
  }
  const hidden = rows.shape[2];
  return tf.split(rows, sizes, 1).map((part, k) => tf.reshape(part, [...ids[k]!.shape, hidden]) as tf.Tensor3D);
}
