import { tokenNll } from '@dft/ops';
import { IGNORE_INDEX } from '@dft/util';
import * as tf from '@tensorflow/tfjs-core';
import type { HiddenWithHead } from './projected-loss.js';
import { projectedLoss } from './projected-loss.js';
import { assertDims, assertFloat, assertNumeric, assertRank, assertTensor, checkLabelValues, oneOf } from './validate.js';

export type Reduction = 'mean' | 'sum' | 'none';

export interface CausalLmLossOptions {
  /** Label value that contributes no loss (HF / PyTorch convention). Default -100. */
  ignoreIndex?: number;
  /**
   * `'mean'` (default): mean over non-ignored target tokens, 0 when there are none; `'sum'`: their sum;
   * `'none'`: `[batch, time - 1]` per-token losses (0 where ignored), entry `[b, t]` scoring `labels[b, t + 1]`.
   */
  reduction?: Reduction;
  /**
   * With hidden states and a head as input: tokens whose logits are computed at once (the chunk); default
   * `defaultChunkTokens(vocab)` (at most 2^24 logits per chunk). Ignored for a logits input.
   */
  chunkTokens?: number;
}

const REDUCTIONS: readonly Reduction[] = ['mean', 'sum', 'none'];

/**
 * Shifted next-token cross-entropy: `logits[:, t]` predicts `labels[:, t + 1]`, as in HF `*ForCausalLM`.
 * `logits` `[batch, time, vocab]` float32, `labels` `[batch, time]` integers (int32 or integral float32).
 * Numerically stable (log-sum-exp); the logits are never sliced or copied, and the gradient builds one
 * `[batch·time, vocab]` one-hot matrix, so large vocabularies (256k) cost no more than needed.
 *
 * Or `{hidden, head}`: the hidden states `[batch, time, hidden]` and the model's head (final norm, projection,
 * soft-cap; `model.lmHeadOf(k)`): only the scored positions are projected, `chunkTokens` at a time, and the
 * gradient recomputes each chunk's logits, so `[tokens, vocab]` logits never exist for the whole batch.
 */
export function causalLmLoss(
  logits: tf.Tensor3D | HiddenWithHead,
  labels: tf.Tensor2D,
  opts?: CausalLmLossOptions & { reduction?: 'mean' | 'sum' },
): tf.Scalar;
export function causalLmLoss(
  logits: tf.Tensor3D | HiddenWithHead,
  labels: tf.Tensor2D,
  opts: CausalLmLossOptions & { reduction: 'none' },
): tf.Tensor2D;
export function causalLmLoss(logits: tf.Tensor3D | HiddenWithHead, labels: tf.Tensor2D, opts?: CausalLmLossOptions): tf.Tensor;
export function causalLmLoss(logits: tf.Tensor3D | HiddenWithHead, labels: tf.Tensor2D, opts: CausalLmLossOptions = {}): tf.Tensor {
  const hidden = isHiddenWithHead(logits);
  return causalLmLossNamed(logits, labels, opts, `causalLmLoss: ${hidden ? 'hidden' : 'logits'}`, 'causalLmLoss: labels');
}

function isHiddenWithHead(x: unknown): x is HiddenWithHead {
  return x != null && typeof x === 'object' && 'hidden' in x && 'head' in x;
}

/** `causalLmLoss` with caller-chosen tensor names in its error messages (used by the other losses). */
export function causalLmLossNamed(
  input: tf.Tensor3D | HiddenWithHead,
  labels: tf.Tensor2D,
  opts: CausalLmLossOptions,
  logitsName: string,
  labelsName: string,
  frozenHead = false,
): tf.Tensor {
  const ignoreIndex = opts.ignoreIndex ?? IGNORE_INDEX;
  if (!Number.isInteger(ignoreIndex)) {
    throw new Error(`${labelsName}: ignoreIndex must be an integer, got ${ignoreIndex}`);
  }
  const reduction = oneOf(opts.reduction, REDUCTIONS, 'causalLmLoss: reduction', 'mean');
  if (isHiddenWithHead(input)) {
    return projectedLoss(input, labels, { ignoreIndex, reduction, chunkTokens: opts.chunkTokens, frozenHead }, logitsName, labelsName);
  }
  const logits = input;
  assertTensor(logits, logitsName);
  assertTensor(labels, labelsName);
  assertRank(logits, 3, logitsName, '[batch, time, vocab]');
  assertFloat(logits, logitsName);
  const [batch, time, vocab] = logits.shape;
  assertDims(labels, [batch, time], labelsName, '[batch, time] (matching the logits)');
  assertNumeric(labels, labelsName);
  checkLabelValues(labels, vocab, ignoreIndex, labelsName);

  return tf.tidy(() => {
    const { targets, weights } = nextTokenTargets(labels, ignoreIndex);
    const nll = tokenNll(tf.reshape(logits, [batch * time, vocab]), tf.reshape(targets, [-1]) as tf.Tensor1D);
    // Weight 0 (ignored positions) gives an exactly zero gradient row.
    const perToken = tf.mul(tf.reshape(nll, [batch, time]), weights);
    if (reduction === 'none') {
      return tf.slice(perToken, [0, 0], [batch, Math.max(time - 1, 0)]);
    }
    const total = tf.sum(perToken);
    if (reduction === 'sum') {
      return total;
    }
    // max(count, 1): a batch whose tokens are all ignored has loss 0 (and zero gradient), not NaN.
    return tf.div(total, tf.maximum(tf.sum(weights), 1));
  });
}

/**
 * Targets aligned with the logits: position t gets `labels[t + 1]`, the last position none. Ignored positions get
 * target 0 and weight 0 (so gathers stay in range).
 */
function nextTokenTargets(labels: tf.Tensor2D, ignoreIndex: number): { targets: tf.Tensor2D; weights: tf.Tensor2D } {
  const [batch, time] = labels.shape;
  const ints = tf.cast(labels, 'int32');
  const shifted = tf.concat([tf.slice(ints, [0, 1], [batch, time - 1]), tf.fill([batch, 1], ignoreIndex, 'int32')], 1);
  const valid = tf.notEqual(shifted, ignoreIndex);
  return {
    targets: tf.where(valid, shifted, tf.zerosLike(shifted)) as tf.Tensor2D,
    weights: tf.cast(valid, 'float32') as tf.Tensor2D,
  };
}
