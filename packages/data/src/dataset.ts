import type { ParallelExample } from './records.js';
import { open } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import type { RecordBatch, Vector } from 'apache-arrow';
import type { PlanOptions } from './batch-plan.js';
import { checkPlanOptions, planEpoch, shardRows } from './batch-plan.js';
import type { SequenceBatch, SequenceKind, SequenceParts } from './collate.js';
import { SEQUENCE_KINDS, collate } from './collate.js';
import type { IntColumn, LengthColumn, SeamColumn, TokenColumn } from './columns.js';
import { INT_COLUMNS, LAYOUT_VERSION, METADATA_KEY, TEXT_COLUMNS, TOKEN_COLUMNS } from './columns.js';
import type { SplitBatches } from './ipc-batches.js';
import { openSplitBatches } from './ipc-batches.js';
import type { PromptTemplate } from './templates.js';

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

/** The file header written by prepare (schema metadata `dft.data`). */
export interface SplitHeader {
  layoutVersion: number;
  split: string;
  tokenizer: { sha256: string; bosId: number | null; eosId: number; padId: number; addBos: boolean; vocabSize: number };
  template: PromptTemplate;
  maxLength: number;
}

/** One example's text (the file's text columns). */
export type TextRow = Omit<ParallelExample, 'score'>;

const KIND_PARTS: Record<SequenceKind, { prompt: TokenColumn; cont: TokenColumn | null; seam: SeamColumn | null; span: 'tgt' | 'en' }> = {
  tft: { prompt: 'prompt_ids', cont: 'response_ids', seam: 'response_seam', span: 'tgt' },
  lc: { prompt: 'prompt_ids', cont: 'en_query_ids', seam: 'en_query_seam', span: 'tgt' },
  et: { prompt: 'prompt_ids', cont: 'en_response_ids', seam: 'en_response_seam', span: 'tgt' },
  en: { prompt: 'en_prompt_ids', cont: null, seam: null, span: 'en' },
  sft: { prompt: 'en_prompt_ids', cont: 'en_sft_response_ids', seam: 'en_sft_response_seam', span: 'en' },
};

const LENGTH_OF: Record<TokenColumn, LengthColumn> = {
  prompt_ids: 'prompt_length',
  response_ids: 'response_length',
  en_prompt_ids: 'en_prompt_length',
  en_query_ids: 'en_query_length',
  en_response_ids: 'en_response_length',
  en_sft_response_ids: 'en_sft_response_length',
};

export interface OpenOptions {
  /** Decoded record batches kept in memory (least recently used go first). Default 64. */
  cacheRecordBatches?: number;
}

/**
 * A prepared split, read lazily: opening indexes its record batches and reads one pass of the small int columns (lengths and
 * spans); token lists and text are read a record batch at a time when a step needs them, and cached.
 */
export class Dataset {
  readonly numRows: number;
  private readonly cache = new Map<number, RecordBatch>();
  private readonly loading = new Map<number, Promise<RecordBatch>>();
  private readQueue: Promise<unknown> = Promise.resolve();

  private constructor(
    readonly path: string,
    readonly header: SplitHeader,
    private readonly fh: FileHandle,
    private readonly reader: SplitBatches,
    /** Row number where each record batch starts, plus the total at the end. */
    private readonly batchStarts: Int32Array,
    private readonly ints: Record<IntColumn, Int32Array>,
    private readonly cacheSize: number,
  ) {
    this.numRows = batchStarts[batchStarts.length - 1]!;
  }

  static async open(path: string, opts: OpenOptions = {}): Promise<Dataset> {
    let fh: FileHandle;
    try {
      fh = await open(path, 'r');
    } catch (e) {
      throw new Error(`${path}: cannot open prepared split (${(e as Error).message})`);
    }
    try {
      const reader = await openSplitBatches(fh, path);
      const header = readHeader(path, reader.schema);
      const counts: number[] = [];
      const parts: Record<IntColumn, Int32Array[]> = Object.fromEntries(
        INT_COLUMNS.map((c) => [c, [] as Int32Array[]]),
      ) as Record<IntColumn, Int32Array[]>;
      for (let i = 0; i < reader.numRecordBatches; i++) {
        const batch = await reader.readRecordBatch(i);
        counts.push(batch.numRows);
        for (const c of INT_COLUMNS) parts[c].push(Int32Array.from(int32Values(batch, c)));
      }
      const batchStarts = new Int32Array(counts.length + 1);
      counts.forEach((c, i) => (batchStarts[i + 1] = batchStarts[i]! + c));
      const ints = Object.fromEntries(Object.entries(parts).map(([c, arrs]) => [c, concat(arrs, batchStarts[counts.length]!)])) as Record<
        IntColumn,
        Int32Array
      >;
      return new Dataset(path, header, fh, reader, batchStarts, ints, opts.cacheRecordBatches ?? 64);
    } catch (e) {
      await fh.close();
      throw e;
    }
  }

  /** Sequence length of each row for one kind (unpadded tokens). */
  lengths(kind: SequenceKind): Int32Array {
    const { prompt, cont, seam } = KIND_PARTS[kind];
    const p = this.ints[LENGTH_OF[prompt]];
    if (!cont || !seam) return p.slice();
    const c = this.ints[LENGTH_OF[cont]];
    const s = this.ints[seam];
    return p.map((v, i) => v - s[i]! + c[i]!);
  }

  /** Per row, the longest of the selected kinds: what bucketing and maxTokens use. */
  planLengths(kinds: readonly SequenceKind[]): Int32Array {
    const out = new Int32Array(this.numRows);
    for (const k of kinds) {
      const l = this.lengths(k);
      for (let i = 0; i < out.length; i++) if (l[i]! > out[i]!) out[i] = l[i]!;
    }
    return out;
  }

  /** The global steps of an epoch (row indices), as every rank computes them. */
  plan(opts: BatchOptions, epoch = opts.startAt?.epoch ?? opts.epoch ?? 0): Int32Array[] {
    return planEpoch(this.planLengths(checkKinds(opts.kinds)), epoch, opts);
  }

  /** Number of optimizer steps in one epoch with these options (for schedules). */
  stepsPerEpoch(opts: BatchOptions): number {
    return this.plan(opts, 0).length;
  }

  /**
   * Yields this rank's batches for one epoch, from `startAt` when given. Ranks see disjoint rows that together
   * cover the epoch; all ranks take the same number of steps.
   */
  async *batches(opts: BatchOptions): AsyncGenerator<Batch> {
    checkPlanOptions(opts);
    const kinds = checkKinds(opts.kinds);
    const world = opts.worldSize ?? 1;
    const rank = opts.rank ?? 0;
    if (!Number.isInteger(rank) || rank < 0 || rank >= world)
      throw new Error(`batches: rank must be an integer in [0, ${world}), got ${rank}`);
    const epoch = opts.startAt?.epoch ?? opts.epoch ?? 0;
    if (!Number.isInteger(epoch) || epoch < 0) throw new Error(`batches: epoch must be a non-negative integer, got ${epoch}`);
    const steps = this.plan(opts, epoch);
    const first = opts.startAt?.index ?? 0;
    if (!Number.isInteger(first) || first < 0 || first > steps.length)
      throw new Error(`batches: startAt.index must be an integer in [0, ${steps.length}] for epoch ${epoch}, got ${first}`);
    for (let s = first; s < steps.length; s++) {
      const rows = shardRows(steps[s]!, rank, world);
      const collated = await this.collateRows(rows, { ...opts, kinds });
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

  /**
   * The padded sequences, ids and languages of the given rows, in that order: what `batches` yields for a step,
   * for a caller that plans its own steps (e.g. splits a global step into micro-batches).
   */
  async collateRows(rows: Int32Array, opts: Pick<BatchOptions, 'kinds' | 'padId' | 'padTo'> = {}): Promise<Pick<Batch, 'sequences' | 'exampleIds' | 'langs' | 'rows'>> {
    const kinds = checkKinds(opts.kinds);
    const padId = opts.padId ?? this.header.tokenizer.padId;
    const padTo = opts.padTo ?? 8;
    const located = await this.locate(rows);
    const sequences: Partial<Record<SequenceKind, SequenceBatch>> = {};
    for (const kind of kinds) {
      const { prompt, cont, seam, span } = KIND_PARTS[kind];
      const parts: SequenceParts[] = located.map(({ batch, local }, i) => ({
        prompt: listAt(batch, prompt, local),
        continuation: cont ? listAt(batch, cont, local) : null,
        seam: seam ? this.ints[seam][rows[i]!]! : 0,
        queryStart: this.ints[span === 'tgt' ? 'query_start' : 'en_query_start'][rows[i]!]!,
        queryEnd: this.ints[span === 'tgt' ? 'query_end' : 'en_query_end'][rows[i]!]!,
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

  /** Streams the text columns in file order. */
  async *textRows(): AsyncGenerator<TextRow> {
    for (let b = 0; b < this.reader.numRecordBatches; b++) {
      const batch = await this.recordBatch(b);
      for (let i = 0; i < batch.numRows; i++) {
        const t = (c: (typeof TEXT_COLUMNS)[number]) => utf8At(batch, c, i);
        yield {
          id: t('id'),
          lang: t('lang'),
          instruction: t('instruction'),
          input: t('input'),
          output: t('output'),
          enInstruction: t('en_instruction'),
          enInput: t('en_input'),
          enOutput: t('en_output'),
        };
      }
    }
  }

  async close(): Promise<void> {
    this.cache.clear();
    await this.fh.close();
  }

  private async locate(rows: Int32Array): Promise<{ batch: RecordBatch; local: number }[]> {
    const out: { batch: RecordBatch; local: number }[] = [];
    for (const row of rows) {
      const b = this.batchOf(row);
      out.push({ batch: await this.recordBatch(b), local: row - this.batchStarts[b]! });
    }
    return out;
  }

  private batchOf(row: number): number {
    let lo = 0;
    let hi = this.batchStarts.length - 2;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.batchStarts[mid]! <= row) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  private async recordBatch(i: number): Promise<RecordBatch> {
    const hit = this.cache.get(i);
    if (hit) {
      this.cache.delete(i);
      this.cache.set(i, hit);
      return hit;
    }
    let pending = this.loading.get(i);
    if (!pending) {
      // Reads of one shared handle must not overlap, so they queue.
      pending = this.readQueue.then(() => this.reader.readRecordBatch(i));
      this.readQueue = pending.catch(() => undefined);
      this.loading.set(i, pending);
    }
    try {
      const batch = await pending;
      this.cache.set(i, batch);
      if (this.cache.size > this.cacheSize) this.cache.delete(this.cache.keys().next().value!);
      return batch;
    } finally {
      this.loading.delete(i);
    }
  }
}

/** Opens a prepared split (`<outDir>/<split>.arrow`). */
export function openDataset(path: string, opts?: OpenOptions): Promise<Dataset> {
  return Dataset.open(path, opts);
}

/** Reads every text row of a prepared split (or the first `limit`), e.g. to compute per-layer entropies. */
export async function readTextRows(path: string, opts: { limit?: number } = {}): Promise<TextRow[]> {
  const ds = await Dataset.open(path, { cacheRecordBatches: 1 });
  const out: TextRow[] = [];
  try {
    for await (const row of ds.textRows()) {
      if (opts.limit !== undefined && out.length >= opts.limit) break;
      out.push(row);
    }
  } finally {
    await ds.close();
  }
  return out;
}

function checkKinds(kinds: readonly SequenceKind[] | undefined): readonly SequenceKind[] {
  const k = kinds ?? SEQUENCE_KINDS;
  if (k.length === 0) throw new Error('batches: kinds must name at least one of tft, lc, et, en, sft');
  for (const x of k)
    if (!SEQUENCE_KINDS.includes(x)) throw new Error(`batches: unknown sequence kind "${x}" (expected tft, lc, et, en or sft)`);
  return k;
}

function readHeader(path: string, schema: RecordBatch['schema']): SplitHeader {
  const raw = schema.metadata.get(METADATA_KEY);
  if (raw === undefined) throw new Error(`${path}: not a split written by @dft/data prepare (no "${METADATA_KEY}" schema metadata)`);
  let h: SplitHeader;
  try {
    h = JSON.parse(raw) as SplitHeader;
  } catch (e) {
    throw new Error(`${path}: schema metadata "${METADATA_KEY}" is not valid JSON (${(e as Error).message})`);
  }
  if (h.layoutVersion !== LAYOUT_VERSION)
    throw new Error(`${path}: column layout version ${h.layoutVersion}, this reader knows ${LAYOUT_VERSION} (prepare the data again)`);
  const names = new Set(schema.fields.map((f) => f.name));
  for (const c of [...TEXT_COLUMNS, ...TOKEN_COLUMNS, ...INT_COLUMNS])
    if (!names.has(c)) throw new Error(`${path}: missing column "${c}"`);
  return h;
}

function int32Values(batch: RecordBatch, column: string): Int32Array {
  const d = batch.getChild(column)!.data[0]!;
  return (d.values as Int32Array).subarray(d.offset, d.offset + d.length);
}

function listAt(batch: RecordBatch, column: TokenColumn, row: number): Int32Array {
  const d = batch.getChild(column)!.data[0]!;
  const offsets = d.valueOffsets as Int32Array;
  const child = d.children[0]!;
  const values = child.values as Int32Array;
  return values.subarray(child.offset + offsets[d.offset + row]!, child.offset + offsets[d.offset + row + 1]!);
}

function utf8At(batch: RecordBatch, column: string, row: number): string {
  return (batch.getChild(column) as Vector).get(row) as string;
}

function concat(parts: Int32Array[], total: number): Int32Array {
  const out = new Int32Array(total);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
