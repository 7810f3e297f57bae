import type { PlanOptions } from './batch-plan.js';
import { checkPlanOptions, shardRows } from './batch-plan.js';
import type { SequenceBatch, SequenceKind, SequenceParts } from './collate.js';
import { SEQUENCE_KINDS, collate } from './collate.js';
import type { IntColumn, SeamColumn, TokenColumn } from '../columns.js';
import type { RecordBatchCache } from './record-batch-cache.js';
import { listAt, utf8At } from './record-batch-cache.js';

/** Resume state: the epoch and the number of global steps of it already consumed. JSON-serialisable. */
export interface DataPosition {
  epoch: number;
  index: number;
}

export interface BatchOptions extends PlanOptions {
  /** Sequence kinds to materialise (others are not padded or copied). Default all five. */
  kinds?: readonly SequenceKind[];
  /** This process's rank in [0, worldSize). Default 0. */
  rank?: number;
  /** Epoch to iterate (ignored when startAt is given). Default 0. */
  epoch?: number;
  /** Continue from a saved position: yields exactly the steps that follow it in its epoch. */
  startAt?: DataPosition;
  /** Padding id; default the file's (tokenizer pad, else EOS). */
  padId?: number;
}

export interface Batch {
  /** One padded group per requested kind, row i of each describing the same example. */
  sequences: Partial<Record<SequenceKind, SequenceBatch>>;
  /** Example ids (the `id` column) and languages of the rows, in batch order. */
  exampleIds: string[];
  langs: string[];
  /** Row numbers in the file. */
  rows: Int32Array;
  epoch: number;
  /** Index of this global step in the epoch, and the epoch's number of steps. */
  step: number;
  stepsInEpoch: number;
  /** Where to resume after this batch has been consumed (the next epoch's start after the last step). */
  position: DataPosition;
}

export type CollatedRows = Pick<Batch, 'sequences' | 'exampleIds' | 'langs' | 'rows'>;

/** Where each sequence kind takes its prompt, continuation, seam and query span from. */
export const KIND_PARTS: Record<SequenceKind, { prompt: TokenColumn; cont: TokenColumn | null; seam: SeamColumn | null; span: 'tgt' | 'en' }> = {
  tft: { prompt: 'prompt_ids', cont: 'response_ids', seam: 'response_seam', span: 'tgt' },
  lc: { prompt: 'prompt_ids', cont: 'en_query_ids', seam: 'en_query_seam', span: 'tgt' },
  et: { prompt: 'prompt_ids', cont: 'en_response_ids', seam: 'en_response_seam', span: 'tgt' },
  en: { prompt: 'en_prompt_ids', cont: null, seam: null, span: 'en' },
  sft: { prompt: 'en_prompt_ids', cont: 'en_sft_response_ids', seam: 'en_sft_response_seam', span: 'en' },
};

/** What batches are cut from: a split's record batches, its int columns in memory and its padding id. */
export interface RowSource {
  records: RecordBatchCache;
  ints: Record<IntColumn, Int32Array>;
  padId: number;
}

export function checkKinds(kinds: readonly SequenceKind[] | undefined): readonly SequenceKind[] {
  const k = kinds ?? SEQUENCE_KINDS;
  if (k.length === 0) throw new Error('batches: kinds must name at least one of tft, lc, et, en, sft');
  for (const x of k)
    if (!SEQUENCE_KINDS.includes(x)) throw new Error(`batches: unknown sequence kind "${x}" (expected tft, lc, et, en or sft)`);
  return k;
}

/** The padded sequences, ids and languages of the given rows, in that order. */
export async function collateRows(src: RowSource, rows: Int32Array, opts: Pick<BatchOptions, 'kinds' | 'padId' | 'padTo'> = {}): Promise<CollatedRows> {
  const kinds = checkKinds(opts.kinds);
  const padId = opts.padId ?? src.padId;
  const padTo = opts.padTo ?? 8;
  const located = await src.records.locate(rows);
  const sequences: Partial<Record<SequenceKind, SequenceBatch>> = {};
  for (const kind of kinds) {
    const { prompt, cont, seam, span } = KIND_PARTS[kind];
    const parts: SequenceParts[] = located.map(({ batch, local }, i) => ({
      prompt: listAt(batch, prompt, local),
      continuation: cont ? listAt(batch, cont, local) : null,
      seam: seam ? src.ints[seam][rows[i]!]! : 0,
      queryStart: src.ints[span === 'tgt' ? 'query_start' : 'en_query_start'][rows[i]!]!,
      queryEnd: src.ints[span === 'tgt' ? 'query_end' : 'en_query_end'][rows[i]!]!,
    }));
    sequences[kind] = collate(parts, cont !== null, padId, padTo);
  }
  return {
    sequences,
    exampleIds: located.map(({ batch, local }) => utf8At(batch, 'id', local)),
    langs: located.map(({ batch, local }) => utf8At(batch, 'lang', local)),
    rows,
  };
}

/**
 * This rank's batches of one epoch, from `startAt` when given, over the global steps `plan` gives. Ranks see
 * disjoint rows that together cover the epoch; all ranks take the same number of steps.
 */
export async function* iterateBatches(src: RowSource, opts: BatchOptions, plan: (opts: BatchOptions, epoch: number) => Int32Array[]): AsyncGenerator<Batch> {
  checkPlanOptions(opts);
  const kinds = checkKinds(opts.kinds);
  const world = opts.worldSize ?? 1;
  const rank = opts.rank ?? 0;
  if (!Number.isInteger(rank) || rank < 0 || rank >= world) throw new Error(`batches: rank must be an integer in [0, ${world}), got ${rank}`);
  const epoch = opts.startAt?.epoch ?? opts.epoch ?? 0;
  if (!Number.isInteger(epoch) || epoch < 0) throw new Error(`batches: epoch must be a non-negative integer, got ${epoch}`);
  const steps = plan(opts, epoch);
  const first = opts.startAt?.index ?? 0;
  if (!Number.isInteger(first) || first < 0 || first > steps.length)
    throw new Error(`batches: startAt.index must be an integer in [0, ${steps.length}] for epoch ${epoch}, got ${first}`);
  for (let s = first; s < steps.length; s++) {
    const rows = shardRows(steps[s]!, rank, world);
    const collated = await collateRows(src, rows, { ...opts, kinds });
    const last = s + 1 === steps.length;
    yield {
      ...collated,
      epoch,
      step: s,
      stepsInEpoch: steps.length,
      position: last ? { epoch: epoch + 1, index: 0 } : { epoch, index: s + 1 },
    };
  }
}
