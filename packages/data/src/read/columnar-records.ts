import { createReadStream, existsSync, openAsBlob, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { RecordBatchReader, tableFromIPC } from 'apache-arrow';
import type { SourceRecord } from './source-record.js';
import { batchRows } from './arrow-values.js';
import type { ParquetFile as ParquetFileType } from 'parquet-wasm';

/**
 * Streams the rows of an Arrow IPC file, in either the stream format (what Hugging Face `datasets` writes to
 * its cache and to save_to_disk) or the file format, one record batch at a time.
 */
export async function* readArrowIpc(file: string): AsyncGenerator<SourceRecord> {
  let reader: Awaited<ReturnType<typeof RecordBatchReader.from>>;
  try {
    reader = await RecordBatchReader.from(createReadStream(file));
    await reader.open();
  } catch (e) {
    throw new Error(`${file}: not a readable Arrow IPC file (${(e as Error).message})`);
  }
  let index = 0;
  const iter = reader[Symbol.asyncIterator]();
  for (;;) {
    let next: IteratorResult<import('apache-arrow').RecordBatch>;
    try {
      next = await iter.next();
    } catch (e) {
      throw new Error(`${file}: corrupt Arrow IPC data after row ${index} (${(e as Error).message})`);
    }
    if (next.done) break;
    const base = index;
    for (const value of batchRows(next.value, (r) => `${file}: row ${base + r}`)) {
      yield { value, index, file, where: `${file}: row ${index}` };
      index++;
    }
  }
}

/**
 * The data files of a `datasets` save_to_disk directory, in order, from its state.json.
 * Returns null when the directory is not one.
 */
export function hfDatasetFiles(dir: string): string[] | null {
  const state = join(dir, 'state.json');
  if (!existsSync(state)) return null;
  let parsed: { _data_files?: { filename?: unknown }[] };
  try {
    parsed = JSON.parse(readFileSync(state, 'utf8'));
  } catch (e) {
    throw new Error(`${state}: not valid JSON (${(e as Error).message})`);
  }
  const files = parsed._data_files;
  if (!Array.isArray(files) || files.some((f) => typeof f?.filename !== 'string'))
    throw new Error(`${state}: expected "_data_files": [{"filename": ...}] (a datasets save_to_disk directory)`);
  return files.map((f) => join(dir, f.filename as string));
}

/**
 * Streams the rows of a Parquet file one row group at a time (parquet-wasm reads the file lazily through a
 * file-backed Blob, so only the current group is decoded in memory).
 */
export async function* readParquet(file: string): AsyncGenerator<SourceRecord> {
  const { ParquetFile } = await import('parquet-wasm');
  let pf: ParquetFileType;
  let groups: number;
  try {
    if (statSync(file).size < 12) throw new Error('file too short for Parquet');
    pf = await ParquetFile.fromFile(await openAsBlob(file));
    groups = pf.metadata().numRowGroups();
  } catch (e) {
    throw new Error(`${file}: unreadable Parquet file (${errorText(e)})`);
  }
  let index = 0;
  try {
    for (let g = 0; g < groups; g++) {
      let table;
      try {
        const wasmTable = await pf.read({ rowGroups: [g] });
        table = tableFromIPC(wasmTable.intoIPCStream());
      } catch (e) {
        throw new Error(`${file}: unreadable Parquet row group ${g} (${errorText(e)})`);
      }
      for (const batch of table.batches) {
        const base = index;
        for (const value of batchRows(batch, (r) => `${file}: row ${base + r}`)) {
          yield { value, index, file, where: `${file}: row ${index}` };
          index++;
        }
      }
    }
  } finally {
    pf.free();
  }
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
