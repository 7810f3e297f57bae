import { IGNORE_INDEX, type SequenceKind } from '@dft/util';
import { roundUp } from './batch-plan.js';

export { IGNORE_INDEX, SEQUENCE_KINDS } from '@dft/util';
export type { SequenceKind };

/**
 * One kind's padded arrays, row-major `[batchSize, length]`, padded on the right.
 * `labels` are aligned with `ids` (Hugging Face convention: the loss shifts them), -100 where no loss is taken
 * (prompt and padding); absent for `en`, which is never a CE target.
 */
export interface SequenceBatch {
  ids: Int32Array;
  labels?: Int32Array;
  /** 1 on real tokens, 0 on padding. */
  attentionMask: Int32Array;
  batchSize: number;
  length: number;
  /** `[batchSize]` tokens in the prompt (BOS included); the sequence's prompt is positions `[0, promptLength)`. */
  promptLength: Int32Array;
  /** `[batchSize, 2]` flattened: `[start, end)` of the prompt's query (instruction + input) tokens. */
  querySpan: Int32Array;
}

/**
 * One row's pieces of one kind: prompt ids, continuation ids (null for a prompt alone), query span. The first
 * `seam` continuation ids replace the prompt's last `seam` ids (joint tokenisation, see TokenizedExample) and
 * belong to the prompt region: no labels there.
 */
export interface SequenceParts {
  prompt: Int32Array;
  continuation: Int32Array | null;
  seam: number;
  queryStart: number;
  queryEnd: number;
}

/** Pads one kind's rows into a SequenceBatch. Labels are made when `labeled` (the continuation's tokens). */
export function collate(rows: SequenceParts[], labeled: boolean, padId: number, padTo: number): SequenceBatch {
  const b = rows.length;
  let longest = 0;
  for (const r of rows) longest = Math.max(longest, r.prompt.length - r.seam + (r.continuation?.length ?? 0));
  const length = roundUp(longest, padTo);
  const ids = new Int32Array(b * length).fill(padId);
  const labels = labeled ? new Int32Array(b * length).fill(IGNORE_INDEX) : undefined;
  const attentionMask = new Int32Array(b * length);
  const promptLength = new Int32Array(b);
  const querySpan = new Int32Array(2 * b);
  rows.forEach((r, i) => {
    const base = i * length;
    const p = r.prompt.length;
    const kept = p - r.seam;
    const total = kept + (r.continuation?.length ?? 0);
    ids.set(r.prompt.subarray(0, kept), base);
    if (r.continuation) {
      ids.set(r.continuation, base + kept);
      labels?.set(r.continuation.subarray(r.seam), base + p);
    }
    attentionMask.fill(1, base, base + total);
    promptLength[i] = p;
    querySpan[2 * i] = r.queryStart;
    querySpan[2 * i + 1] = r.queryEnd;
  });
  const out: SequenceBatch = { ids, attentionMask, batchSize: b, length, promptLength, querySpan };
  if (labels) out.labels = labels;
  return out;
}
