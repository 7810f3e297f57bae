import * as tf from '@tensorflow/tfjs-core';
import { chunkedHeadNll } from '@dft/ops';
import { isFrozenVariable } from '@dft/ops/internal';
import { defaultChunkTokens } from './chunk-size.js';
import type { LmHead } from './model.js';
import { assertDims, assertFloat, assertNumeric, assertRank, assertTensor, checkLabelValues } from './validate.js';

/** Hidden states and the head that projects them: the input of the chunked next-token losses. */
export interface HiddenWithHead {
  /** `[batch, time, hidden]` float32, before the head's final norm. */
  hidden: tf.Tensor3D;
  head: LmHead;
}

export interface ProjectedLossOptions {
  ignoreIndex: number;
  reduction: 'mean' | 'sum' | 'none';
  chunkTokens: number | undefined;
  /** No gradient for the head's norm and projection weights. */
  frozenHead: boolean;
}

/**
 * `causalLmLoss` over hidden states: position t of row b is scored against `labels[b, t + 1]`. Only the scored
 * positions are gathered, final-normed and projected (all of them for `reduction: 'none'`), through
 * `chunkedHeadNll`. Same values and gradients as `causalLmLoss(logits)` on the head's full logits.
 */
export function projectedLoss(input: HiddenWithHead, labels: tf.Tensor2D, o: ProjectedLossOptions, hiddenName: string, labelsName: string): tf.Tensor {
  const { hidden, head } = input;
  assertTensor(hidden, hiddenName);
  assertRank(hidden, 3, hiddenName, '[batch, time, hidden]');
  assertFloat(hidden, hiddenName);
  if (head == null || typeof head.norm !== 'function') {
    throw new Error(`${hiddenName}: head must be the model's LM head ({norm, weight, transposed, softcap}, model.lmHeadOf(layer)), got ${head}`);
  }
  assertTensor(head.weight, `${hiddenName}: head.weight`);
  const [batch, time, width] = hidden.shape;
  const vocab = head.transposed ? head.weight.shape[0]! : head.weight.shape[1]!;
  assertDims(labels, [batch, time], labelsName, '[batch, time] (matching the hidden states)');
  assertNumeric(labels, labelsName);
  checkLabelValues(labels, vocab, o.ignoreIndex, labelsName);
  const chunk = o.chunkTokens ?? defaultChunkTokens(vocab);
  if (!Number.isInteger(chunk) || chunk < 1) throw new Error(`${hiddenName}: chunkTokens must be a positive integer, got ${chunk}`);
  if (o.reduction === 'none' && time < 2) return tf.zeros([batch, 0]);

  const values = labels.dataSync();
  const rows: number[] = [];
  const targets: number[] = [];
  const weights: number[] = [];
  for (let b = 0; b < batch; b++) {
    for (let t = 0; t + 1 < time; t++) {
      const next = values[b * time + t + 1]!;
      const scored = next !== o.ignoreIndex;
      if (!scored && o.reduction !== 'none') continue;
      rows.push(b * time + t);
      targets.push(scored ? next : 0);
      weights.push(scored ? 1 : 0);
    }
  }
  const count = weights.reduce((s, w) => s + w, 0);
  // No scored token: one weight-0 row keeps the head in the graph (zero gradients rather than none).
  if (rows.length === 0) rows.push(0), targets.push(0), weights.push(0);
  return tf.tidy(() => {
    const n = rows.length;
    const picked = tf.gather(tf.reshape(hidden, [batch * time, width]), tf.tensor1d(rows, 'int32'));
    const normed = tf.reshape(head.norm(tf.reshape(picked, [1, n, width]) as tf.Tensor3D, { frozen: o.frozenHead }), [n, width]) as tf.Tensor2D;
    // A head weight marked not trainable (frozen in training) is a constant too: the op then computes no gradient for it.
    const frozen = o.frozenHead || isFrozenVariable(head.weight);
    const projection = { weight: head.weight, transposed: head.transposed, softcap: head.softcap, frozen };
    const nll = tf.mul(chunkedHeadNll(normed, tf.tensor1d(targets, 'int32'), projection, chunk), tf.tensor1d(weights));
    if (o.reduction === 'none') return tf.reshape(nll, [batch, time - 1]);
    const total = tf.sum(nll);
    return o.reduction === 'sum' ? total : tf.div(total, Math.max(count, 1));
  });
}
