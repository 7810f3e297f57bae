import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { RecordBatchFileWriter, tableFromArrays, tableFromIPC } from 'apache-arrow';
import type { Table } from 'apache-arrow';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Batch, BatchOptions } from './batch-iterator.js';
import type { Dataset } from './dataset.js';
import { openDataset, readTextRows } from './dataset.js';
import { prepareParallel } from '../prepare/prepare.js';
import { FIXTURES, PARALLEL_300, llamaTokenizer, tempDir } from '../test-utils/fixtures.js';

const dir = tempDir();
let path: string;
let table: Table;
let ds: Dataset;
beforeAll(async () => {
  const s = await prepareParallel({ input: PARALLEL_300, limit: 120, tokenizer: llamaTokenizer(), outDir: dir, rowsPerBatch: 16 });
  path = s.files.train!;
  table = tableFromIPC(readFileSync(path));
  ds = await openDataset(path, { cacheRecordBatches: 3 });
});

async function collect(d: Dataset, o: BatchOptions): Promise<Batch[]> {
  const out: Batch[] = [];
  for await (const b of d.batches(o)) out.push(b);
  return out;
}
const list = (c: string, r: number) => Array.from(table.getChild(c)!.get(r) as Iterable<number>);
const int = (c: string, r: number) => table.getChild(c)!.get(r) as number;

describe('Dataset.batches', () => {
  it('opens lazily with the header prepare wrote', () => {
    expect(ds.numRows).toBe(120);
    expect(ds.header.tokenizer.padId).toBe(2);
    expect(ds.header.maxLength).toBe(512);
  });

  it('one epoch yields every example once, with positions that count up to the next epoch', async () => {
    const batches = await collect(ds, { batchSize: 8, shuffle: { seed: 5 }, epoch: 3 });
    expect(batches.length).toBe(15);
    const ids = batches.flatMap((b) => b.exampleIds);
    const all = (await readTextRows(path)).map((r) => r.id);
    expect([...ids].sort()).toEqual([...all].sort());
    expect(batches.map((b) => b.position)).toEqual([...Array.from({ length: 14 }, (_, i) => ({ epoch: 3, index: i + 1 })), { epoch: 4, index: 0 }]);
    expect(batches.every((b) => b.stepsInEpoch === 15 && b.epoch === 3)).toBe(true);
    expect(batches[0]!.langs.every((l) => l === 'zh')).toBe(true);
  });

  it('materialises each kind as prompt ⊕ continuation, right-padded, with masks, labels, prompt lengths and spans', async () => {
    const [b] = await collect(ds, { batchSize: 6, shuffle: { seed: 1 }, padTo: 8 });
    const kinds = { tft: ['prompt_ids', 'response_ids', 'response_seam', 'query'], lc: ['prompt_ids', 'en_query_ids', 'en_query_seam', 'query'], et: ['prompt_ids', 'en_response_ids', 'en_response_seam', 'query'], sft: ['en_prompt_ids', 'en_sft_response_ids', 'en_sft_response_seam', 'en_query'], en: ['en_prompt_ids', null, null, 'en_query'] } as const;
    for (const [kind, [p, c, seamCol, span]] of Object.entries(kinds)) {
      const s = b!.sequences[kind as keyof typeof kinds]!;
      expect(s.batchSize).toBe(6);
      expect(s.length % 8).toBe(0);
      for (let i = 0; i < 6; i++) {
        const row = b!.rows[i]!;
        const prompt = list(p, row);
        const seam = seamCol ? int(seamCol, row) : 0;
        const cont = c ? list(c, row) : [];
        const seq = [...prompt.slice(0, prompt.length - seam), ...cont];
        const ids = Array.from(s.ids.subarray(i * s.length, (i + 1) * s.length));
        const mask = Array.from(s.attentionMask.subarray(i * s.length, (i + 1) * s.length));
        expect(ids).toEqual([...seq, ...Array(s.length - seq.length).fill(2)]);
        expect(mask).toEqual([...Array(seq.length).fill(1), ...Array(s.length - seq.length).fill(0)]);
        expect(s.promptLength[i]).toBe(prompt.length);
        expect([s.querySpan[2 * i], s.querySpan[2 * i + 1]]).toEqual([int(`${span}_start`, row), int(`${span}_end`, row)]);
        if (c) {
          const labels = Array.from(s.labels!.subarray(i * s.length, (i + 1) * s.length));
          expect(labels).toEqual([...Array(prompt.length).fill(-100), ...cont.slice(seam), ...Array(s.length - seq.length).fill(-100)]);
        } else expect(s.labels).toBeUndefined();
      }
      expect(s.length).toBe(Math.ceil(Math.max(...Array.from(b!.rows, (r) => ds.lengths(kind as keyof typeof kinds)[r]!)) / 8) * 8);
    }
    expect(b!.exampleIds).toEqual(Array.from(b!.rows, (r) => table.getChild('id')!.get(r)));
  });

  it('materialises only the requested kinds', async () => {
    const [b] = await collect(ds, { batchSize: 4, kinds: ['tft', 'en'] });
    expect(Object.keys(b!.sequences).sort()).toEqual(['en', 'tft']);
    await expect(collect(ds, { batchSize: 4, kinds: [] })).rejects.toThrow(/kinds must name at least one/);
    await expect(collect(ds, { batchSize: 4, kinds: ['xx' as 'tft'] })).rejects.toThrow(/unknown sequence kind "xx"/);
  });

  it('resuming from a saved position yields exactly the remaining batches (also with a tiny record-batch cache)', async () => {
    const opts = { batchSize: 8, shuffle: { seed: 42 }, bucketByLength: true, epoch: 2 } as const;
    const full = await collect(ds, opts);
    const saved = JSON.parse(JSON.stringify(full[5]!.position));
    const reopened = await openDataset(path, { cacheRecordBatches: 1 });
    const rest = await collect(reopened, { ...opts, startAt: saved });
    await reopened.close();
    expect(rest.length).toBe(full.length - 6);
    const view = (bs: Batch[]) => bs.map((b) => ({ ids: b.exampleIds, tft: Array.from(b.sequences.tft!.ids), step: b.step, position: b.position }));
    expect(view(rest)).toEqual(view(full.slice(6)));
    await expect(collect(ds, { ...opts, startAt: { epoch: 2, index: 99 } })).rejects.toThrow(/startAt.index must be an integer in \[0, 15\] for epoch 2, got 99/);
  });

  it('ranks of 1-4 workers see disjoint examples covering the epoch, in the same number of steps', async () => {
    for (const worldSize of [1, 2, 3, 4]) {
      const per = await Promise.all(Array.from({ length: worldSize }, (_, rank) => collect(ds, { batchSize: 5, worldSize, rank, shuffle: { seed: 8 }, kinds: ['tft'] })));
      const steps = per.map((bs) => bs.length);
      expect(new Set(steps).size).toBe(1);
      const ids = per.flatMap((bs) => bs.flatMap((b) => b.exampleIds));
      expect(ids.length).toBe(120);
      expect(new Set(ids).size).toBe(120);
    }
  });

  it('bucketing reduces padded tokens on real data', async () => {
    const pads = async (bucketByLength: boolean) =>
      (await collect(ds, { batchSize: 8, shuffle: { seed: 3 }, bucketByLength, kinds: ['tft'] })).reduce((sum, b) => {
        const s = b.sequences.tft!;
        return sum + s.ids.length - s.attentionMask.reduce((a, v) => a + v, 0);
      }, 0);
    const [plain, bucketed] = [await pads(false), await pads(true)];
    expect(bucketed).toBeLessThan(plain / 2);
  });
});

describe('openDataset / readTextRows bad input', () => {
  it('names the file and what is wrong', async () => {
    const junk = join(dir, 'junk.arrow');
    writeFileSync(junk, 'not arrow at all');
    await expect(openDataset(junk)).rejects.toThrow(`${junk}: not an Arrow IPC file`);
    await expect(openDataset(join(dir, 'missing.arrow'))).rejects.toThrow(/missing\.arrow: cannot open prepared split/);
    const hf = join(FIXTURES, 'hf-parallel-20', 'data-00000-of-00001.arrow');
    await expect(openDataset(hf)).rejects.toThrow(`${hf}: not a split written by @dft/data prepare`);
    const plain = join(dir, 'plain.arrow');
    writeFileSync(plain, RecordBatchFileWriter.writeAll(tableFromArrays({ a: Int32Array.from([1]) })).toUint8Array(true));
    await expect(readTextRows(plain)).rejects.toThrow(`${plain}: not a split written by @dft/data prepare`);
  });
});
