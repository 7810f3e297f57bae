import { open } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import type { RecordBatch } from 'apache-arrow';
import type { IntColumn, LengthColumn, TokenColumn } from '../columns.js';
import { INT_COLUMNS, LAYOUT_VERSION, METADATA_KEY, TEXT_COLUMNS, TOKEN_COLUMNS } from '../columns.js';
import type { PromptTemplate } from '../prepare/templates.js';
import type { ParallelExample } from '../read/records.js';
import type { Batch, BatchOptions, CollatedRows, RowSource } from './batch-iterator.js';
import { KIND_PARTS, checkKinds, collateRows, iterateBatches } from './batch-iterator.js';
import { planEpoch } from './batch-plan.js';
import type { SequenceKind } from './collate.js';
import { RecordBatchCache, utf8At } from './record-batch-cache.js';
import { openSplitBatches } from './split-record-batches.js';

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

  private constructor(
    readonly path: string,
    readonly header: SplitHeader,
    private readonly fh: FileHandle,
    private readonly records: RecordBatchCache,
    private readonly ints: Record<IntColumn, Int32Array>,
  ) {
    this.numRows = records.numRows;
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
      return new Dataset(path, header, fh, new RecordBatchCache(reader, batchStarts, opts.cacheRecordBatches ?? 64), ints);
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
  batches(opts: BatchOptions): AsyncGenerator<Batch> {
    return iterateBatches(this.rowSource(), opts, (o, epoch) => this.plan(o, epoch));
  }

  /**
   * The padded sequences, ids and languages of the given rows, in that order: what `batches` yields for a step,
   * for a caller that plans its own steps (e.g. splits a global step into micro-batches).
   */
  collateRows(rows: Int32Array, opts: Pick<BatchOptions, 'kinds' | 'padId' | 'padTo'> = {}): Promise<CollatedRows> {
    return collateRows(this.rowSource(), rows, opts);
  }

  /** Streams the text columns in file order. */
  async *textRows(): AsyncGenerator<TextRow> {
    for (let b = 0; b < this.records.numRecordBatches; b++) {
      const batch = await this.records.get(b);
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
    this.records.clear();
    await this.fh.close();
  }

  private rowSource(): RowSource {
    return { records: this.records, ints: this.ints, padId: this.header.tokenizer.padId };
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

function concat(parts: Int32Array[], total: number): Int32Array {
  const out = new Int32Array(total);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
