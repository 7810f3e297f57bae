import * as tf from '@tensorflow/tfjs-core';
import type { HookedCausalLM } from '@dft/losses';

/** Positions scored per head call: bounds the `[positions, vocab]` logits held at once. */
const CHUNK = 256;

/**
 * Log-probabilities of `targets[i]` at flat positions `rows[i]` of `h` (`[batch, time, hidden]`, the final-normed
 * hidden state L): only the gathered positions go through the LM head, so no `[batch, time, vocab]` tensor exists.
 * A position asked for several times (the choices of one context, each with its own target) is projected once.
 */
export function gatherLogprobs(model: HookedCausalLM, h: tf.Tensor3D, rows: readonly number[], targets: readonly number[]): Float64Array {
  const out = new Float64Array(rows.length);
  const [b, t, d] = h.shape;
  const unique = [...new Set(rows)];
  const asked = new Map<number, number[]>(unique.map((r) => [r, []]));
  rows.forEach((r, i) => asked.get(r)!.push(i));
  for (let start = 0; start < unique.length; start += CHUNK) {
    const chunk = unique.slice(start, start + CHUNK);
    const requests = chunk.flatMap((r, local) => asked.get(r)!.map((i) => ({ i, local })));
    const values = tf.tidy(() => {
      const picked = tf.gather(tf.reshape(h, [b * t, d]), tf.tensor1d(chunk, 'int32'));
      const logits = model.logitLens(tf.reshape(picked, [1, chunk.length, d]) as tf.Tensor3D, model.numLayers);
      const vocab = logits.shape[2];
      const flat = tf.reshape(logits, [chunk.length, vocab]);
      // log p = logit[target] − logsumexp(logits): no [positions, vocab] log-softmax is materialised.
      const lse = tf.gather(tf.logSumExp(flat, 1), tf.tensor1d(requests.map((q) => q.local), 'int32'));
      const at = tf.tensor1d(requests.map((q) => q.local * vocab + targets[q.i]!), 'int32');
      return tf.sub(tf.gather(tf.reshape(flat, [-1]), at), lse).dataSync();
    });
    requests.forEach((q, k) => (out[q.i] = values[k]!));
  }
  return out;
}
