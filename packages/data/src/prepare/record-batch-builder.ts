import { Int32, RecordBatch, Struct, Utf8, makeData } from 'apache-arrow';
import type { Data, Schema } from 'apache-arrow';
import type { TextColumn } from '../columns.js';
import { LENGTH_COLUMNS, SEAM_COLUMNS, SPAN_COLUMNS, TEXT_COLUMNS, TOKEN_COLUMNS, TOKEN_LIST } from '../columns.js';
import type { TokenizedExample } from './tokenize-example.js';
import type { ParallelExample } from '../read/records.js';

const encoder = new TextEncoder();

/** Accumulates prepared rows and turns them into one Arrow record batch at a time. */
export class RecordBatchBuilder {
  private rows: { ex: ParallelExample; tok: TokenizedExample }[] = [];

  constructor(private readonly schema: Schema) {}

  get length(): number {
    return this.rows.length;
  }

  push(ex: ParallelExample, tok: TokenizedExample): void {
    this.rows.push({ ex, tok });
  }

  /** Builds the record batch of the buffered rows and empties the buffer. */
  flush(): RecordBatch {
    const rows = this.rows;
    this.rows = [];
    const n = rows.length;
    const text: Record<TextColumn, (r: (typeof rows)[number]) => string> = {
      id: (r) => r.ex.id,
      lang: (r) => r.ex.lang,
      instruction: (r) => r.ex.instruction,
      input: (r) => r.ex.input,
      output: (r) => r.ex.output,
      en_instruction: (r) => r.ex.enInstruction,
      en_input: (r) => r.ex.enInput,
      en_output: (r) => r.ex.enOutput,
    };
    const lists: ((t: TokenizedExample) => ArrayLike<number>)[] = [
      (t) => t.promptIds,
      (t) => t.response.ids,
      (t) => t.enPromptIds,
      (t) => t.enQuery.ids,
      (t) => t.enResponse.ids,
      (t) => t.enSftResponse.ids,
    ];
    const seams: ((t: TokenizedExample) => number)[] = [
      (t) => t.response.seam,
      (t) => t.enQuery.seam,
      (t) => t.enResponse.seam,
      (t) => t.enSftResponse.seam,
    ];
    const spans: ((t: TokenizedExample) => number)[] = [
      (t) => t.queryStart,
      (t) => t.queryEnd,
      (t) => t.enQueryStart,
      (t) => t.enQueryEnd,
    ];
    const children: Data[] = [
      ...TEXT_COLUMNS.map((c) => utf8Data(rows.map(text[c]))),
      ...TOKEN_COLUMNS.map((_, i) => listData(rows.map((r) => lists[i]!(r.tok)))),
      ...LENGTH_COLUMNS.map((_, i) => int32Data(rows.map((r) => lists[i]!(r.tok).length))),
      ...SEAM_COLUMNS.map((_, i) => int32Data(rows.map((r) => seams[i]!(r.tok)))),
      ...SPAN_COLUMNS.map((_, i) => int32Data(rows.map((r) => spans[i]!(r.tok)))),
    ];
    const data = makeData({ type: new Struct(this.schema.fields), length: n, nullCount: 0, children });
    return new RecordBatch(this.schema, data);
  }
}

function utf8Data(values: string[]): Data<Utf8> {
  const encoded = values.map((v) => encoder.encode(v));
  const offsets = new Int32Array(values.length + 1);
  let total = 0;
  encoded.forEach((b, i) => {
    total += b.length;
    offsets[i + 1] = total;
  });
  const bytes = new Uint8Array(total);
  encoded.forEach((b, i) => bytes.set(b, offsets[i]!));
  return makeData({ type: new Utf8(), length: values.length, nullCount: 0, valueOffsets: offsets, data: bytes });
}

function int32Data(values: number[]): Data<Int32> {
  return makeData({ type: new Int32(), length: values.length, nullCount: 0, data: Int32Array.from(values) });
}

function listData(lists: ArrayLike<number>[]): Data {
  const offsets = new Int32Array(lists.length + 1);
  let total = 0;
  lists.forEach((l, i) => {
    total += l.length;
    offsets[i + 1] = total;
  });
  const values = new Int32Array(total);
  lists.forEach((l, i) => values.set(l, offsets[i]!));
  const child = makeData({ type: new Int32(), length: total, nullCount: 0, data: values });
  return makeData({ type: TOKEN_LIST, length: lists.length, nullCount: 0, valueOffsets: offsets, child });
}
