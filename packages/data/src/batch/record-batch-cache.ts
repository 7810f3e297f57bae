import type { RecordBatch, Vector } from 'apache-arrow';
import type { TokenColumn } from '../columns.js';
import type { SplitBatches } from './split-record-batches.js';

/**
 * The Arrow record batches of a prepared split, read on demand from one file handle and kept in a
 * least-recently-used cache; rows are located by binary search over the record batches' starting rows.
 */
export class RecordBatchCache {
  readonly numRows: number;
  private readonly cache = new Map<number, RecordBatch>();
  private readonly loading = new Map<number, Promise<RecordBatch>>();
  private readQueue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly reader: SplitBatches,
    /** Row number where each record batch starts, plus the total at the end. */
    private readonly batchStarts: Int32Array,
    /** Decoded record batches kept (least recently used go first). */
    private readonly capacity: number,
  ) {
    this.numRows = batchStarts[batchStarts.length - 1]!;
  }

  get numRecordBatches(): number {
    return this.reader.numRecordBatches;
  }

  /** The record batch holding each row, and the row's index inside it, in the order given. */
  async locate(rows: Int32Array): Promise<{ batch: RecordBatch; local: number }[]> {
    const out: { batch: RecordBatch; local: number }[] = [];
    for (const row of rows) {
      const b = this.batchOf(row);
      out.push({ batch: await this.get(b), local: row - this.batchStarts[b]! });
    }
    return out;
  }

  async get(i: number): Promise<RecordBatch> {
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
      if (this.cache.size > this.capacity) this.cache.delete(this.cache.keys().next().value!);
      return batch;
    } finally {
      this.loading.delete(i);
    }
  }

  clear(): void {
    this.cache.clear();
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
}

/** The token ids of one row of a token column, as a view into the record batch. */
export function listAt(batch: RecordBatch, column: TokenColumn, row: number): Int32Array {
  const d = batch.getChild(column)!.data[0]!;
  const offsets = d.valueOffsets as Int32Array;
  const child = d.children[0]!;
  const values = child.values as Int32Array;
  return values.subarray(child.offset + offsets[d.offset + row]!, child.offset + offsets[d.offset + row + 1]!);
}

export function utf8At(batch: RecordBatch, column: string, row: number): string {
  return (batch.getChild(column) as Vector).get(row) as string;
}
