import * as tf from '@tensorflow/tfjs-core';
import type { HookedCausalLM } from '@dft/losses';

/** Positions scored per head call: bounds the `[positions, vocab]` log-softmax held at once. */
const CHUNK = 256;

/**
 * Log-probabilities of `targets[i]` at flat positions `rows[i]` of `h` (`[batch, time, hidden]`, the final-normed
 * hidden state L): only the gathered positions go through the LM head, so no `[batch, time, vocab]` tensor exists.
 */
export function gatherLogprobs(model: HookedCausalLM, h: tf.Tensor3D, rows: readonly number[], targets: readonly number[]): Float64Array {
  const out = new Float64Array(rows.length);
  const [b, t, d] = h.shape;
  for (let start = 0; start < rows.length; start += CHUNK) {
    const end = Math.min(rows.length, start + CHUNK);
    const values = tf.tidy(() => {
      const flat = tf.reshape(h, [b * t, d]);
      const picked = tf.gather(flat, tf.tensor1d(rows.slice(start, end), 'int32'));
      const logits = model.logitLens(tf.reshape(picked, [1, end - start, d]) as tf.Tensor3D, model.numLayers);
      const vocab = logits.shape[2];
      const flatLogits = tf.reshape(logits, [end - start, vocab]);
      // log p = logit[target] − logsumexp(logits): no [positions, vocab] log-softmax is materialised.
      const idx = targets.slice(start, end).map((tok, i) => i * vocab + tok);
      const picked2 = tf.gather(tf.reshape(flatLogits, [-1]), tf.tensor1d(idx, 'int32'));
      return tf.sub(picked2, tf.logSumExp(flatLogits, 1)).dataSync();
    });
    out.set(values, start);
  }
  return out;
}
