import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDataset } from '@dft/data';
import { dft, tempDir, TINY_LLAMA, writeShortRecords } from '../test-utils/cli-harness.js';

const PARALLEL_300 = new URL('../../../data/fixtures/alpaca-en-zh-300.json', import.meta.url).pathname;

let tmp: ReturnType<typeof tempDir>;
let raw: string;
beforeAll(() => {
  tmp = tempDir('prepare');
  raw = join(tmp.dir, 'eight.json');
  writeShortRecords(raw, 8);
});
afterAll(() => tmp.remove());

describe('dft prepare', () => {
  it('prints a summary line and the files it wrote; the Arrow file holds the rows', async () => {
    const out = join(tmp.dir, 'p1');
    const r = await dft('prepare', '--input', raw, '--tokenizer', TINY_LLAMA, '--out', out, '--max-length', '128');
    expect(r.code).toBe(0);
    expect(r.out).toBe(
      'prepared 8 rows (zh 8) from 8 records: 0 truncated, 0 empty, 0 below min score, 0 too long\n' +
        `  ${join(out, 'train.arrow')}\n  ${join(out, 'dataset.json')}\n`,
    );
    const ds = await openDataset(join(out, 'train.arrow'));
    try {
      expect(ds.numRows).toBe(8);
    } finally {
      await ds.close();
    }
  });

  it('--json prints the summary; --validation splits the rows between train and validation', async () => {
    const out = join(tmp.dir, 'p2');
    const r = await dft('prepare', '--input', raw, '--tokenizer', TINY_LLAMA, '--out', out, '--validation', '0.5', '--json');
    expect(r.code).toBe(0);
    const s = JSON.parse(r.out) as { counts: { written: number; perSplit: { train: number; validation: number } }; files: Record<string, string> };
    expect(s.counts.written).toBe(8);
    expect(s.counts.perSplit.train + s.counts.perSplit.validation).toBe(8);
    for (const f of Object.values(s.files)) expect(existsSync(f)).toBe(true);
  });

  it('usage errors exit 2; a malformed input file exits 1 naming it', async () => {
    const noInput = await dft('prepare', '--tokenizer', TINY_LLAMA, '--out', join(tmp.dir, 'x'));
    expect(noInput.code).toBe(2);
    expect(noInput.err).toMatch(/--input is required/);
    const noTokenizer = await dft('prepare', '--input', raw, '--out', join(tmp.dir, 'x'));
    expect(noTokenizer.code).toBe(2);
    expect(noTokenizer.err).toMatch(/--tokenizer is required/);
    const broken = join(tmp.dir, 'broken.json');
    writeFileSync(broken, '[{"en_instruction": "a", ');
    const bad = await dft('prepare', '--input', broken, '--tokenizer', TINY_LLAMA, '--out', join(tmp.dir, 'p3'));
    expect(bad.code).toBe(1);
    expect(bad.err).toContain(broken);
    expect(existsSync(join(tmp.dir, 'p3', 'train.arrow'))).toBe(false);
    const jobs = await dft('prepare', '--input', raw, '--tokenizer', TINY_LLAMA, '--out', join(tmp.dir, 'p4'), '--jobs', '0');
    expect(jobs.code).toBe(2);
    expect(jobs.err).toMatch(/--jobs must be an integer ≥ 1, got "0"/);
  });

  it('--jobs 1 and --jobs 3 write byte-identical splits', async () => {
    const run = async (jobs: string) => {
      const out = join(tmp.dir, `jobs${jobs}`);
      const r = await dft('prepare', '--input', PARALLEL_300, '--tokenizer', TINY_LLAMA, '--out', out, '--limit', '120', '--validation', '0.2', '--jobs', jobs);
      expect(r.code).toBe(0);
      return ['train.arrow', 'validation.arrow'].map((f) => readFileSync(join(out, f)));
    };
    const [one, three] = [await run('1'), await run('3')];
    expect(one[0]!.length).toBeGreaterThan(10_000);
    expect(three[0]!.equals(one[0]!)).toBe(true);
    expect(three[1]!.equals(one[1]!)).toBe(true);
  });
});
