import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { RecordBatchReader, tableFromIPC, tableToIPC } from 'apache-arrow';
import { beforeAll, describe, expect, it } from 'vitest';
import { METADATA_KEY } from '../columns.js';
import { openDataset } from '../batch/dataset.js';
import type { Batch } from '../batch/batch-iterator.js';
import { prepareParallel } from './prepare.js';
import { PARALLEL_300, llamaTokenizer, tempDir } from '../test-utils/fixtures.js';

const dir = tempDir();
const CONTINUATION = [0xff, 0xff, 0xff, 0xff];

/** The messages of an IPC stream as Arrow's own stream reader sees them: the schema, then each record batch. */
function frames(bytes: Uint8Array): { kind: 'schema' | 'batch'; rows?: number }[] {
  const out: { kind: 'schema' | 'batch'; rows?: number }[] = [];
  const reader = RecordBatchReader.from(bytes).open();
  out.push({ kind: 'schema' });
  for (const b of reader) out.push({ kind: 'batch', rows: b.numRows });
  return out;
}

describe('prepared splits are Arrow IPC streams (what HF datasets Dataset.from_file opens)', () => {
  let path: string;
  let bytes: Uint8Array;
  beforeAll(async () => {
    const s = await prepareParallel({ input: PARALLEL_300, tokenizer: llamaTokenizer(), outDir: join(dir, 'out'), limit: 50, rowsPerBatch: 16, maxLength: 128, jobs: 1 });
    path = s.files.train!;
    bytes = new Uint8Array(readFileSync(path));
  });

  it('is framed as a stream: continuation marker first, no ARROW1 magic or footer, end-of-stream marker last', () => {
    expect(Array.from(bytes.subarray(0, 4))).toEqual(CONTINUATION);
    expect(new TextDecoder().decode(bytes.subarray(0, 6))).not.toBe('ARROW1');
    expect(Array.from(bytes.subarray(bytes.length - 8))).toEqual([...CONTINUATION, 0, 0, 0, 0]);
    const reader = RecordBatchReader.from(bytes).open();
    expect(reader.isStream()).toBe(true);
    expect(reader.schema.metadata.get(METADATA_KEY)).toContain('"layoutVersion"');
  });

  it('holds the schema, then one record batch per 16 rows', () => {
    const f = frames(bytes);
    const rows = tableFromIPC(bytes).numRows;
    expect(rows).toBeGreaterThan(40);
    expect(f.filter((m) => m.kind === 'batch').map((m) => m.rows)).toEqual([
      ...Array(Math.floor(rows / 16)).fill(16),
      ...(rows % 16 ? [rows % 16] : []),
    ]);
  });

  it('our reader gives the same batches from the stream and from the same table in the IPC file format', async () => {
    const asFile = join(dir, 'as-file.arrow');
    writeFileSync(asFile, tableToIPC(tableFromIPC(bytes), 'file'));
    expect(new TextDecoder().decode(readFileSync(asFile).subarray(0, 6))).toBe('ARROW1');
    const read = async (p: string) => {
      const ds = await openDataset(p, { cacheRecordBatches: 2 });
      const out: Batch[] = [];
      for await (const b of ds.batches({ batchSize: 8, shuffle: { seed: 5 } })) out.push(b);
      const text = [];
      for await (const r of ds.textRows()) text.push(r);
      await ds.close();
      return { ids: out.map((b) => [b.exampleIds, Array.from(b.sequences.tft!.ids), Array.from(b.sequences.lc!.labels ?? [])]), text };
    };
    const stream = await read(path);
    expect(stream.text.length).toBe(tableFromIPC(bytes).numRows);
    expect(await read(asFile)).toEqual(stream);
  });

  it('a stream cut short is an error naming the file', async () => {
    const cut = join(dir, 'cut.arrow');
    writeFileSync(cut, bytes.subarray(0, Math.floor(bytes.length / 2)));
    await expect(openDataset(cut)).rejects.toThrow(`${cut}: not an Arrow IPC file, or a truncated one`);
  });
});
