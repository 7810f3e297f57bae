import { collate, SEQUENCE_KINDS } from '@dft/data';
import type { DftBatch } from '@dft/losses';
import * as tf from '@tensorflow/tfjs-core';
import { toDftBatch } from '../job/batch-tensors.js';

/** A prompt's token ids (position 0 plays BOS) and the [start, end) span of its query. */
interface Prompt {
  ids: number[];
  query: [number, number];
}

/**
 * Two parallel examples over token ids below 11 (both fixture vocabularies hold them): each kind's continuation
 * after its prompt (docs/design.md, "Batch layout"). Lengths differ between the rows, so every kind is padded.
 */
const EXAMPLES: { target: Prompt; english: Prompt; tft: number[]; lc: number[]; et: number[]; sft: number[] }[] = [
  { target: { ids: [1, 3, 4, 5], query: [1, 3] }, english: { ids: [1, 8, 9, 10, 2], query: [1, 4] }, tft: [6, 7], lc: [8, 9], et: [10, 2], sft: [7, 7] },
  { target: { ids: [1, 6, 7], query: [1, 2] }, english: { ids: [1, 2, 8, 9], query: [2, 3] }, tft: [3, 3, 4, 2], lc: [2, 8, 9], et: [9, 9, 10], sft: [6] },
];

/**
 * The examples in all five groups, padded by @dft/data's `collate` and turned into tensors by the job's own
 * `toDftBatch`, as a training step feeds them to the objective. Dispose with `disposeDftBatch`.
 */
export function toyDftBatch(): DftBatch {
  const sequences = Object.fromEntries(
    SEQUENCE_KINDS.map((kind) => {
      const rows = EXAMPLES.map((e) => {
        const prompt = kind === 'en' || kind === 'sft' ? e.english : e.target;
        const continuation = kind === 'en' ? null : Int32Array.from(e[kind]);
        return { prompt: Int32Array.from(prompt.ids), continuation, seam: 0, queryStart: prompt.query[0], queryEnd: prompt.query[1] };
      });
      return [kind, collate(rows, kind !== 'en', 0, 1)];
    }),
  );
  return toDftBatch({ sequences });
}

export function disposeDftBatch(batch: DftBatch): void {
  tf.dispose(Object.values(batch).flatMap((group) => Object.values(group as Record<string, tf.Tensor>)));
}
