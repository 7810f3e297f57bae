import type { SequenceKind } from '@dft/util';
import * as tf from '@tensorflow/tfjs-core';
import type { Pool } from './pooling.js';
import { assertDims, assertNumeric, assertTensor } from './validate.js';

/*
 * The batch layout of docs/design.md, "Batch layout", as produced by @dft/data: one group of right-padded `[batch, time]` tensors per
 * sequence kind, row b of every group describing the same parallel example. Each method reads only the groups and
 * fields it uses.
 */

/** Sequences trained with next-token CE: `labels` = token ids, IGNORE_INDEX (-100) where no loss is taken. */
export interface LabeledSequences {
  ids: tf.Tensor2D;
  labels: tf.Tensor2D;
  /** 1 = real token, 0 = padding. */
  attentionMask: tf.Tensor2D;
}

/** Where the prompt and its query sit in a sequence (used by the feature terms). */
export interface PromptSpans {
  /** `[batch]` number of prompt tokens; `'last'` pooling reads position `promptLength - 1`. */
  promptLength?: tf.Tensor1D;
  /** `[batch, 2]` `[start, end)` of the query tokens; `'mean'` pooling averages over it. */
  querySpan?: tf.Tensor2D;
}

export interface DftBatch {
  /** Target-language prompt + response (+ EOS); labels -100 on the prompt. Spans index the prompt inside it. */
  tft?: LabeledSequences & PromptSpans;
  /** LC-logits: prompt(x_tgt) + q_en, labels on the q_en tokens only. */
  lc?: LabeledSequences;
  /** ET-logits: prompt(x_tgt) + y_en + EOS, labels on y_en and EOS. */
  et?: LabeledSequences;
  /** English prompt alone (feature-term teacher). */
  en?: { ids: tf.Tensor2D; attentionMask: tf.Tensor2D } & PromptSpans;
  /** English prompt + English response (method 'sft'), labels -100 on the prompt. */
  sft?: LabeledSequences;
}

// The groups of DftBatch are exactly the shared sequence kinds (contracts.test.ts checks it).
export type { SequenceKind };

const KIND_DESCRIPTION: Record<SequenceKind, string> = {
  tft: 'target-language prompt + response',
  lc: 'prompt(x_tgt) + English query (LC-logits)',
  et: 'prompt(x_tgt) + English response + EOS (ET-logits)',
  en: 'English prompt (feature teacher)',
  sft: 'English prompt + English response',
};

/** Reads and checks the batch for one objective call; `context` prefixes every error (method, options). */
export class BatchReader {
  private batchSize: number | undefined;

  constructor(
    private readonly batch: DftBatch,
    private readonly context: string,
  ) {
    if (batch == null || typeof batch !== 'object') {
      throw new Error(`${context}: batch must be an object of sequence groups (tft, lc, et, en, sft), got ${batch}`);
    }
  }

  /** ids + attentionMask (+ labels when `labeled`) of one kind, shape-checked. */
  sequences(kind: SequenceKind, labeled: true): LabeledSequences;
  sequences(kind: SequenceKind, labeled: false): { ids: tf.Tensor2D; attentionMask: tf.Tensor2D };
  sequences(kind: SequenceKind, labeled: boolean): { ids: tf.Tensor2D; attentionMask: tf.Tensor2D; labels?: tf.Tensor2D } {
    const ids = this.field(kind, 'ids', 'int32 token ids [batch, time]');
    if (ids.dtype !== 'int32') {
      throw new Error(`${this.context}: batch.${kind}.ids must be int32, got ${ids.dtype}`);
    }
    const size = this.checkBatchSize(kind, ids);
    const dims = [size, ids.shape[1]!];
    const attentionMask = this.field(kind, 'attentionMask', '1/0 mask [batch, time]');
    assertDims(attentionMask, dims, `${this.context}: batch.${kind}.attentionMask`, '[batch, time] (matching ids)');
    assertNumeric(attentionMask, `${this.context}: batch.${kind}.attentionMask`);
    if (!labeled) {
      return { ids: ids as tf.Tensor2D, attentionMask: attentionMask as tf.Tensor2D };
    }
    const labels = this.field(kind, 'labels', 'labels [batch, time], -100 where ignored');
    assertDims(labels, dims, `${this.context}: batch.${kind}.labels`, '[batch, time] (matching ids)');
    return { ids: ids as tf.Tensor2D, attentionMask: attentionMask as tf.Tensor2D, labels: labels as tf.Tensor2D };
  }

  /**
   * `[batch, time]` float mask of the positions to pool for one kind: the query span (`'mean'`) or the prompt
   * `[0, promptLength)` (`'last'` then picks position promptLength - 1). Span values are checked on the host
   * against the real (unpadded) length of each row and, when given, the prompt length (the TFT pass's states are
   * only response-independent inside the prompt).
   */
  poolMask(kind: 'tft' | 'en', pool: Pool, attentionMask: tf.Tensor2D): tf.Tensor2D {
    const [size, time] = attentionMask.shape;
    const lengths = tf.tidy(() => tf.sum(tf.cast(tf.notEqual(attentionMask, 0), 'int32'), 1));
    const realLengths = lengths.arraySync() as number[];
    lengths.dispose();
    const prompt = this.promptLengths(kind, size, realLengths, pool === 'last');
    const positions = () => tf.reshape(tf.range(0, time, 1, 'int32'), [1, time]);
    if (pool === 'last') {
      return tf.tidy(() => tf.cast(tf.less(positions(), tf.tensor2d(prompt!, [size, 1], 'int32')), 'float32')) as tf.Tensor2D;
    }
    const span = this.field(kind, 'querySpan', 'int32 [batch, 2] [start, end) of the query tokens');
    const name = `${this.context}: batch.${kind}.querySpan`;
    assertDims(span, [size, 2], name, '[batch, 2]');
    const rows = span.arraySync() as number[][];
    rows.forEach(([start, end], b) => {
      const limit = prompt?.[b] ?? realLengths[b]!;
      if (!Number.isInteger(start) || !Number.isInteger(end) || start! < 0 || start! >= end! || end! > limit) {
        const what = prompt ? `batch.${kind}.promptLength[${b}]` : `the real tokens of batch.${kind}.ids[${b}]`;
        throw new Error(`${name}[${b}] = [${start}, ${end}): expected integers 0 <= start < end <= ${limit} (${what})`);
      }
    });
    return tf.tidy(() => {
      const starts = tf.tensor2d(rows.map((r) => [r[0]!]), [size, 1], 'int32');
      const ends = tf.tensor2d(rows.map((r) => [r[1]!]), [size, 1], 'int32');
      return tf.cast(tf.logicalAnd(tf.greaterEqual(positions(), starts), tf.less(positions(), ends)), 'float32');
    }) as tf.Tensor2D;
  }

  /** Host copy of `promptLength` (each in [1, real length]); undefined when absent and not `required`. */
  private promptLengths(kind: 'tft' | 'en', size: number, realLengths: number[], required: boolean): number[] | undefined {
    const group = this.batch[kind] as Record<string, unknown> | undefined;
    if (!required && group?.promptLength == null) return undefined;
    const prompt = this.field(kind, 'promptLength', 'int32 [batch] number of prompt tokens');
    const name = `${this.context}: batch.${kind}.promptLength`;
    assertDims(prompt, [size], name, '[batch]');
    const values = prompt.arraySync() as number[];
    values.forEach((p, b) => {
      if (!Number.isInteger(p) || p < 1 || p > realLengths[b]!) {
        throw new Error(
          `${name}[${b}] = ${p}: expected an integer in [1, ${realLengths[b]}] (the real tokens of batch.${kind}.ids[${b}])`,
        );
      }
    });
    return values;
  }

  private field(kind: SequenceKind, field: string, expected: string): tf.Tensor {
    const group = this.batch[kind] as Record<string, unknown> | undefined;
    if (group == null) {
      throw new Error(`${this.context}: batch.${kind} is missing (expected the ${KIND_DESCRIPTION[kind]} sequences)`);
    }
    const value = group[field];
    if (value == null) {
      throw new Error(`${this.context}: batch.${kind}.${field} is missing (expected ${expected})`);
    }
    assertTensor(value, `${this.context}: batch.${kind}.${field}`);
    return value;
  }

  /** Every group must hold the same examples, so the same batch size. */
  private checkBatchSize(kind: SequenceKind, ids: tf.Tensor): number {
    assertDims(ids, [null, null], `${this.context}: batch.${kind}.ids`, '[batch, time]');
    const size = ids.shape[0]!;
    if (this.batchSize === undefined) {
      this.batchSize = size;
    } else if (size !== this.batchSize) {
      throw new Error(
        `${this.context}: batch.${kind}.ids has batch size ${size}, but the other sequence groups have ${this.batchSize}`,
      );
    }
    return size;
  }
}
