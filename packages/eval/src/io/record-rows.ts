import { readRecords, type FormatOption, type SourceRecord } from '@dft/data';
import { describe } from './fields.js';
import { checkFile } from './read-text.js';

export type JsonObject = Record<string, unknown>;

/** A record of a task file: a JSON object with where it came from (`file:line`, or `file: row i` for Parquet). */
export type JsonRow = SourceRecord & { value: JsonObject };

/** The records of one file (JSON Lines, a JSON array or a Parquet file). */
export interface TableRows {
  path: string;
  records: JsonRow[];
}

/**
 * Reads the records of a JSON array, JSON Lines (either optionally `.gz`) or Parquet file with the data package's
 * readers (the ones `dft prepare` uses), so every format is read one way. `what` names the set in errors; a
 * record that is not an object is an error naming its file and line.
 */
export async function readRows(path: string, what: string, format: FormatOption = 'auto'): Promise<TableRows> {
  checkFile(path, what);
  const records: SourceRecord[] = [];
  try {
    for await (const rec of readRecords(path, format)) records.push(rec);
  } catch (e) {
    throw new Error(`eval: ${what}: ${(e as Error).message}`);
  }
  for (const rec of records) {
    if (!rec.value || typeof rec.value !== 'object' || Array.isArray(rec.value)) {
      throw new Error(`eval: ${rec.where}: expected a JSON object (named fields) per record, got ${describe(rec.value)}`);
    }
  }
  return { path, records: records as JsonRow[] };
}

/**
 * The digits of an integer field as written in the source: 64-bit ids such as MKQA's `example_id` lose
 * precision as JS numbers, so they are read from the record's text. Falls back to `String(value)`.
 */
export function integerFieldText(rec: JsonRow, key: string): string {
  const v = rec.value[key];
  if (typeof v !== 'number' || Number.isSafeInteger(v) || rec.text === undefined) return String(v);
  const m = new RegExp(`"${key}"\\s*:\\s*(-?\\d+)`).exec(rec.text);
  return m ? m[1] : String(v);
}
