import * as tf from '@tensorflow/tfjs-core';
import { causalLmLossNamed, type CausalLmLossOptions } from './causal-lm-loss.js';
import type { LmHead, LogitLensHead } from './model.js';
import { assertDims, assertFloat, assertRank, assertTensor } from './validate.js';

export interface LogitLensLossOptions extends CausalLmLossOptions {
  /**
   * Let this term update the final norm and LM head. Default false: the paper keeps them frozen for the
   * logit-lens terms (the head is called with `{frozen: true}`), so the gradient reaches only `hidden`.
   */
  trainHead?: boolean;
}

/**
 * Next-token cross-entropy of the logit-lens projection of layer-k states: `causalLmLoss(lmHead(hidden), labels)`.
 * `hidden` `[batch, time, hidden]` float32; `lmHead` the model's final norm + head for that layer, as a function,
 * or as data (`model.lmHeadOf(k)`): then only the scored positions are projected, `chunkTokens` at a time, as
 * `causalLmLoss({hidden, head})` does; `labels` `[batch, time]` as for `causalLmLoss`.
 */
export function logitLensLoss(
  hidden: tf.Tensor3D,
  lmHead: LogitLensHead | LmHead,
  labels: tf.Tensor2D,
  opts?: LogitLensLossOptions & { reduction?: 'mean' | 'sum' },
): tf.Scalar;
export function logitLensLoss(
  hidden: tf.Tensor3D,
  lmHead: LogitLensHead | LmHead,
  labels: tf.Tensor2D,
  opts: LogitLensLossOptions & { reduction: 'none' },
): tf.Tensor2D;
export function logitLensLoss(
  hidden: tf.Tensor3D,
  lmHead: LogitLensHead | LmHead,
  labels: tf.Tensor2D,
  opts?: LogitLensLossOptions,
): tf.Tensor;
export function logitLensLoss(
  hidden: tf.Tensor3D,
  lmHead: LogitLensHead | LmHead,
  labels: tf.Tensor2D,
  opts: LogitLensLossOptions = {},
): tf.Tensor {
  assertTensor(hidden, 'logitLensLoss: hidden');
  assertRank(hidden, 3, 'logitLensLoss: hidden', '[batch, time, hidden]');
  assertFloat(hidden, 'logitLensLoss: hidden');
  if (typeof lmHead === 'object' && lmHead !== null) {
    const head = { hidden, head: lmHead };
    return causalLmLossNamed(head, labels, opts, 'logitLensLoss: hidden', 'logitLensLoss: labels', opts.trainHead !== true);
  }
  return tf.tidy(() => {
    const logits = applyHead(lmHead, hidden, { frozen: opts.trainHead !== true }, 'logitLensLoss');
    return causalLmLossNamed(
      logits,
      labels,
      opts,
      'logitLensLoss: lmHead(hidden)',
      'logitLensLoss: labels',
    );
  });
}

/** Calls the head and checks it kept `[batch, time]`, so a wrong head fails here with a clear message. */
export function applyHead(
  lmHead: LogitLensHead,
  hidden: tf.Tensor3D,
  opts: { frozen: boolean },
  caller: string,
): tf.Tensor3D {
  if (typeof lmHead !== 'function') {
    throw new Error(`${caller}: lmHead must be a function (h, {frozen}) => logits, got ${typeof lmHead}`);
  }
  const logits = lmHead(hidden, opts);
  const name = `${caller}: lmHead(hidden)`;
  assertTensor(logits, name);
  assertDims(logits, [hidden.shape[0], hidden.shape[1], null], name, '[batch, time, vocab]');
  assertFloat(logits, name);
  return logits;
}
