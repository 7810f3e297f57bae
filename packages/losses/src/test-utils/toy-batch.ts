import { IGNORE_INDEX } from '@dft/util';
import * as tf from '@tensorflow/tfjs-core';
import type { DftBatch } from '../batch.js';

const PAD = 0;
const IGNORE = IGNORE_INDEX;

/** One right-padded group from rows of token ids; `labelFrom[b]` = first labelled position (-1: no labels). */
function group(rows: number[][], labelFrom: number[] | null) {
  const time = Math.max(...rows.map((r) => r.length));
  const ids = rows.map((r) => [...r, ...new Array<number>(time - r.length).fill(PAD)]);
  const mask = rows.map((r) => ids[0]!.map((_, t) => (t < r.length ? 1 : 0)));
  const out: { ids: tf.Tensor2D; attentionMask: tf.Tensor2D; labels?: tf.Tensor2D } = {
    ids: tf.tensor2d(ids, undefined, 'int32'),
    attentionMask: tf.tensor2d(mask, undefined, 'int32'),
  };
  if (labelFrom) {
    const labels = ids.map((r, b) => r.map((v, t) => (t >= labelFrom[b]! && t < rows[b]!.length ? v : IGNORE)));
    out.labels = tf.tensor2d(labels, undefined, 'int32');
  }
  return out;
}

/**
 * A 2-example parallel batch over a vocabulary of 11 in the layout of docs/design.md, "Batch layout" (token ids are arbitrary; position 0
 * plays BOS). Row lengths differ so right padding is exercised in every group.
 */
export function toyBatch(): DftBatch {
  const tgtPrompt = [
    [1, 3, 4, 5],
    [1, 6, 7],
  ];
  const enPrompt = [
    [1, 8, 9, 10, 2],
    [1, 2, 8, 9],
  ];
  const tft = group(
    [
      [...tgtPrompt[0]!, 6, 7],
      [...tgtPrompt[1]!, 3, 3, 4, 2],
    ],
    [4, 3],
  );
  return {
    tft: {
      ...(tft as Required<typeof tft>),
      promptLength: tf.tensor1d([4, 3], 'int32'),
      querySpan: tf.tensor2d([[1, 3], [1, 2]], undefined, 'int32'),
    },
    lc: group([[...tgtPrompt[0]!, 8, 9], [...tgtPrompt[1]!, 2, 8, 9]], [4, 3]) as Required<ReturnType<typeof group>>,
    et: group([[...tgtPrompt[0]!, 10, 2], [...tgtPrompt[1]!, 9, 9, 10]], [4, 3]) as Required<ReturnType<typeof group>>,
    en: {
      ...group(enPrompt, null),
      promptLength: tf.tensor1d([5, 4], 'int32'),
      querySpan: tf.tensor2d([[1, 4], [2, 3]], undefined, 'int32'),
    },
    sft: group([[...enPrompt[0]!, 7, 7], [...enPrompt[1]!, 6]], [5, 4]) as Required<ReturnType<typeof group>>,
  };
}

/** Disposes every tensor of a batch. */
export function disposeBatch(batch: DftBatch): void {
  for (const g of Object.values(batch)) tf.dispose(Object.values(g as Record<string, tf.Tensor>));
}
