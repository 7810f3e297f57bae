import type { RecordUnit } from './fields.js';
import { readText } from './read-text.js';

export type JsonObject = Record<string, unknown>;

/** A parsed record and the 1-based line it starts on (0 when the file is one JSON document). */
export interface Located<T> {
  value: T;
  line: number;
  /** The record's source text (JSON Lines only). */
  raw?: string;
}

/**
 * The digits of an integer field as written in the source: 64-bit ids such as MKQA's `example_id` lose
 * precision as JS numbers, so they are read from the text. Falls back to `String(value)`.
 */
export function integerFieldText(rec: Located<JsonObject>, key: string): string {
  const v = rec.value[key];
  if (typeof v !== 'number' || Number.isSafeInteger(v) || rec.raw === undefined) return String(v);
  const m = new RegExp(`"${key}"\\s*:\\s*(-?\\d+)`).exec(rec.raw);
  return m ? m[1] : String(v);
}

/** The records of one file (JSON Lines, a JSON array or a Parquet file) and how they are counted. */
export interface TableRows {
  path: string;
  records: Located<JsonObject>[];
  unit: RecordUnit;
}

/** Parses a whole-file JSON document, naming the file on a syntax error. */
export function parseJsonDocument(text: string, path: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new Error(`eval: ${path} is not valid JSON: ${(e as Error).message}`);
  }
}

/** Parses JSON Lines: one object per non-blank line; errors give the file and line. */
export function parseJsonLines(text: string, path: string): Located<JsonObject>[] {
  const out: Located<JsonObject>[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i].trim();
    if (raw === '') continue;
    let v: unknown;
    try {
      v = JSON.parse(raw);
    } catch (e) {
      throw new Error(`eval: ${path}:${i + 1}: malformed JSON line: ${(e as Error).message}`);
    }
    if (!v || typeof v !== 'object' || Array.isArray(v)) {
      throw new Error(`eval: ${path}:${i + 1}: expected a JSON object per line, got ${JSON.stringify(v).slice(0, 60)}`);
    }
    out.push({ value: v as JsonObject, line: i + 1, raw });
  }
  return out;
}

/**
 * Reads a file of records that upstream sets ship either as a JSON array or as JSON Lines (optionally `.gz`).
 * A JSON array's records carry their array index + 1 as `line` (and `where` says "record").
 */
export function readRecords(path: string, what: string): { records: Located<JsonObject>[]; unit: 'line' | 'record' } {
  const text = readText(path, what);
  const head = text.trimStart();
  if (head.startsWith('[')) {
    const doc = parseJsonDocument(text, path);
    if (!Array.isArray(doc)) throw new Error(`eval: ${path}: expected a JSON array of ${what} records`);
    return {
      unit: 'record',
      records: doc.map((v, i) => {
        if (!v || typeof v !== 'object' || Array.isArray(v)) {
          throw new Error(`eval: ${path}: record ${i + 1}: expected a JSON object, got ${JSON.stringify(v).slice(0, 60)}`);
        }
        return { value: v as JsonObject, line: i + 1 };
      }),
    };
  }
  return { unit: 'line', records: parseJsonLines(text, path) };
}
