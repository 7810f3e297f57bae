import * as tf from '@tensorflow/tfjs-core';
import type { Batch, SequenceBatch } from '@dft/data';
import type { DftBatch } from '@dft/losses';

function seq(s: SequenceBatch) {
  const shape: [number, number] = [s.batchSize, s.length];
  return {
    ids: tf.tensor2d(s.ids, shape, 'int32'),
    attentionMask: tf.tensor2d(s.attentionMask, shape, 'int32'),
    ...(s.labels ? { labels: tf.tensor2d(s.labels, shape, 'int32') } : {}),
    promptLength: tf.tensor1d(s.promptLength, 'int32'),
    querySpan: tf.tensor2d(s.querySpan, [s.batchSize, 2], 'int32'),
  };
}

/** The data package's padded arrays as the tensors `dftObjective` reads (created inside the caller's tidy). */
export function toDftBatch(batch: Pick<Batch, 'sequences'>): DftBatch {
  const out: Record<string, unknown> = {};
  for (const [kind, s] of Object.entries(batch.sequences)) if (s) out[kind] = seq(s);
  return out as DftBatch;
}
