import * as tf from '@tensorflow/tfjs-core';
import { isFrozenVariable } from '@dft/ops/internal';

/** The argument type of `tf.customGrad` (not exported by tfjs). */
type CustomGradientFunc = Parameters<typeof tf.customGrad>[0];

/**
 * `table[ids]` (rows of a `[vocab, hidden]` embedding) with the gradient tfjs's gather has (the output gradient summed
 * into the looked-up rows), but keeping only `ids` for the backward pass: tfjs's gather also saves the table, and a
 * saved tensor is a clone, which tfjs counts as a second table in its memory (a clone shares the buffer, so the
 * process does not hold it twice, but `peakBytes` and the plan would count a vocabulary-sized tensor per pass).
 * A frozen table (a variable marked not trainable) is read as a constant: a custom gradient computes every input's
 * gradient when its node is reached, so a table that is an input would get a dense gradient nobody asked for.
 */
export function embeddingLookup(table: tf.Tensor2D, ids: tf.Tensor2D): tf.Tensor3D {
  const [vocab, hidden] = table.shape;
  const [batch, time] = ids.shape;
  const rows = (w: tf.Tensor2D, idx: tf.Tensor2D) => tf.reshape(tf.gather(w, tf.reshape(idx, [-1])), [batch, time, hidden]) as tf.Tensor3D;
  // The ids are data; tfjs wants a float32 gradient for every input.
  if (isFrozenVariable(table)) {
    const constant = tf.customGrad(((idx: tf.Tensor2D) => ({ value: rows(table, idx), gradFunc: () => tf.zeros(idx.shape) })) as unknown as CustomGradientFunc);
    return constant(ids) as tf.Tensor3D;
  }
  const op = tf.customGrad(((w: tf.Tensor2D, idx: tf.Tensor2D, save: tf.GradSaveFunc) => {
    save([idx]);
    return {
      value: rows(w, idx),
      gradFunc: (dy: tf.Tensor3D, [saved]: tf.Tensor[]) => [
        tf.unsortedSegmentSum(tf.reshape(dy, [batch * time, hidden]), tf.reshape(saved!, [-1]) as tf.Tensor1D, vocab),
        tf.zeros(idx.shape),
      ],
    };
  }) as unknown as CustomGradientFunc);
  return op(table, ids) as tf.Tensor3D;
}
