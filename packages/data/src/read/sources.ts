import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import { readArrowIpc, hfDatasetFiles, readParquet } from './columnar-records.js';
import { readJsonArray, readJsonLines, readTextChunks } from './json-records.js';
import type { SourceRecord } from './source-record.js';

export type SourceFormat = 'json' | 'jsonl' | 'parquet' | 'arrow';
export type FormatOption = SourceFormat | 'auto';

const EXTENSIONS: Record<string, SourceFormat> = {
  '.json': 'json',
  '.jsonl': 'jsonl',
  '.ndjson': 'jsonl',
  '.parquet': 'parquet',
  '.arrow': 'arrow',
};

/** Natural order, so `part_2` comes before `part_10` (the order the parts were numbered in). */
function naturalCompare(a: string, b: string): number {
  return a.localeCompare(b, 'en', { numeric: true });
}

/**
 * Expands input paths into data files, in order. A directory is either a `datasets` save_to_disk folder
 * (its state.json lists the files) or a folder whose files with a known extension are read in natural order.
 */
export function expandInputs(inputs: string | string[]): string[] {
  const list = Array.isArray(inputs) ? inputs : [inputs];
  if (list.length === 0) throw new Error('prepare: no input files given');
  const out: string[] = [];
  for (const p of list) {
    if (!existsSync(p)) throw new Error(`${p}: no such file or directory`);
    if (!statSync(p).isDirectory()) {
      out.push(p);
      continue;
    }
    const hf = hfDatasetFiles(p);
    if (hf) {
      out.push(...hf);
      continue;
    }
    const files = readdirSync(p)
      .filter((f) => EXTENSIONS[extname(f).toLowerCase()] !== undefined)
      .sort(naturalCompare)
      .map((f) => join(p, f));
    if (files.length === 0)
      throw new Error(`${p}: directory holds no data files (.json, .jsonl, .ndjson, .parquet, .arrow)`);
    out.push(...files);
  }
  return out;
}

/**
 * Format of a file from its extension (a gzipped `.json.gz` / `.jsonl.gz` by the one before `.gz`); a `.json`
 * file whose first character is `{` is JSON Lines (HF to_json).
 */
export async function detectFormat(file: string, format: FormatOption = 'auto'): Promise<SourceFormat> {
  if (format !== 'auto') return format;
  const ext = extname(file.replace(/\.gz$/i, '')).toLowerCase();
  const byExt = EXTENSIONS[ext];
  if (byExt === undefined)
    throw new Error(`${basename(file)}: unknown file type "${extname(file)}" (use .json, .jsonl, .parquet, .arrow or give format)`);
  if (byExt !== 'json') return byExt;
  const first = await firstNonBlankChar(file);
  return first === '{' ? 'jsonl' : 'json';
}

async function firstNonBlankChar(file: string): Promise<string | null> {
  for await (const chunk of readTextChunks(file, undefined, 4096)) {
    const m = /[^\s\uFEFF]/.exec(chunk);
    if (m) return m[0];
  }
  return null;
}

/** Streams the records of one file in the given (or detected) format; JSON readers report bytes read as they go. */
export async function* readRecords(file: string, format: FormatOption = 'auto', onBytes?: (bytesRead: number) => void): AsyncGenerator<SourceRecord> {
  const f = await detectFormat(file, format);
  if (f === 'json') yield* readJsonArray(file, onBytes);
  else if (f === 'jsonl') yield* readJsonLines(file, onBytes);
  else if (f === 'parquet') yield* readParquet(file);
  else yield* readArrowIpc(file);
}

/** How far reading the source files has got, in bytes (for progress bars). */
export interface ReadProgress {
  totalBytes: number;
  bytesRead: number;
}

/** Streams the records of several files back to back. */
export async function* readAllRecords(files: string[], format: FormatOption = 'auto', progress?: ReadProgress): AsyncGenerator<SourceRecord> {
  let done = 0;
  for (const file of files) {
    const size = statSync(file).size;
    yield* readRecords(file, format, progress && ((n) => (progress.bytesRead = done + Math.min(n, size))));
    done += size;
    if (progress) progress.bytesRead = done;
  }
}
