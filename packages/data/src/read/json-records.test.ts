import { readdirSync, readlinkSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readJsonArray, readJsonLines } from './json-records.js';
import type { SourceRecord } from './source-record.js';
import { readRecords } from './sources.js';
import { tempDir } from '../test-utils/fixtures.js';

const dir = tempDir();
let n = 0;
function file(text: string, ext = '.json'): string {
  const p = join(dir, `f${n++}${ext}`);
  writeFileSync(p, text);
  return p;
}
async function all(gen: AsyncGenerator<SourceRecord>) {
  const out: SourceRecord[] = [];
  for await (const r of gen) out.push(r);
  return out;
}

describe('readJsonArray (streaming)', () => {
  it('yields the same values as JSON.parse across many 64 KiB chunks, with the line each record starts on', async () => {
    const rows = Array.from({ length: 3000 }, (_, i) => ({
      instruction: `q${i} "quoted" \\ back {brace} [bracket]`,
      input: i % 3 ? '' : '中文，逗号',
      output: `a${i}\n`.repeat(i % 5),
      nested: { list: [i, [i + 1], { k: 'v' }], flag: i % 2 === 0, none: null },
    }));
    const p = file(JSON.stringify(rows, null, 2));
    const got = await all(readJsonArray(p));
    expect(got.map((r) => r.value)).toEqual(rows);
    // indent 2: record 0 opens on line 2; each record spans a fixed number of lines per shape
    expect(got[0]!.where).toBe(`${p}:2`);
    const lines = JSON.stringify(rows, null, 2).split('\n');
    const second = lines.findIndex((l, i) => i > 1 && l === '  {');
    expect(got[1]!.where).toBe(`${p}:${second + 1}`);
  });

  it('handles scalars, empty arrays, a BOM and compact layout', async () => {
    expect((await all(readJsonArray(file('\uFEFF[1, "two",true ,null,{"a":[]}]')))).map((r) => r.value)).toEqual([1, 'two', true, null, { a: [] }]);
    expect(await all(readJsonArray(file('  [ ]  \n')))).toEqual([]);
  });

  it('names file and line of a malformed record', async () => {
    const p = file('[\n  {"a": 1},\n  {"a": 2,},\n  {"a": 3}\n]');
    await expect(all(readJsonArray(p))).rejects.toThrow(new RegExp(`${p}:3: record 1 is not valid JSON`));
  });

  it('names file and line of structural errors', async () => {
    const missingComma = file('[\n{"a": 1}\n{"a": 2}\n]');
    await expect(all(readJsonArray(missingComma))).rejects.toThrow(`${missingComma}:3: expected ',' or ']' after record 0, found "{"`);
    const notArray = file('\n\n{"instruction": "x"} x');
    await expect(all(readJsonArray(notArray))).rejects.toThrow(`${notArray}:3: not a JSON array`);
    const unclosed = file('[{"a": 1},\n{"a": 2}');
    await expect(all(readJsonArray(unclosed))).rejects.toThrow(/unexpected end of file: the JSON array is not closed \(last complete record 1\)/);
    const trailingComma = file('[{"a": 1},\n]');
    await expect(all(readJsonArray(trailingComma))).rejects.toThrow(`${trailingComma}:2: trailing ',' before ']'`);
    const garbage = file('[{"a": 1}]\nextra');
    await expect(all(readJsonArray(garbage))).rejects.toThrow(`${garbage}:2: unexpected "e" after the closing ']'`);
    const empty = file('   ');
    await expect(all(readJsonArray(empty))).rejects.toThrow(`${empty}: empty file`);
  });
});

describe('readJsonLines', () => {
  it('skips blank lines and reports the line of bad JSON', async () => {
    const ok = file('{"a":1}\n\n{"a":2}\r\n', '.jsonl');
    const got = await all(readJsonLines(ok));
    expect(got.map((r) => [r.value, r.where])).toEqual([
      [{ a: 1 }, `${ok}:1`],
      [{ a: 2 }, `${ok}:3`],
    ]);
    const bad = file('{"a":1}\n{"a":\n', '.jsonl');
    await expect(all(readJsonLines(bad))).rejects.toThrow(new RegExp(`${bad}:2: not valid JSON`));
  });
});

describe('gzipped JSON and each record\'s own text', () => {
  it('reads .jsonl.gz and .json.gz like the plain files, keeping digits a JS number loses', async () => {
    const lines = '{"id": 9007199254740993, "q": "中文"}\n\n{"id": 2}\n';
    const gz = join(dir, `f${n++}.jsonl.gz`);
    writeFileSync(gz, gzipSync(Buffer.from(lines)));
    const rows = await all(readRecords(gz));
    expect(rows.map((r) => r.where)).toEqual([`${gz}:1`, `${gz}:3`]);
    expect(rows.map((r) => r.text)).toEqual(['{"id": 9007199254740993, "q": "中文"}', '{"id": 2}']);
    const arr = join(dir, `f${n++}.json.gz`);
    writeFileSync(arr, gzipSync(Buffer.from('[\n{"a": 1},\n {"a": [2]}\n]')));
    const recs = await all(readRecords(arr));
    expect(recs.map((r) => [r.value, r.where, r.text])).toEqual([
      [{ a: 1 }, `${arr}:2`, '{"a": 1}'],
      [{ a: [2] }, `${arr}:3`, '{"a": [2]}'],
    ]);
  });

  it('names the file that is not gzip', async () => {
    const bad = file('not gzip', '.jsonl.gz');
    await expect(all(readJsonLines(bad))).rejects.toThrow(`${bad}: not a valid gzip file`);
  });
});

describe('a reader that stops early', () => {
  /** How many of this process's open file descriptors point at `path`. */
  const opened = (path: string) =>
    readdirSync('/proc/self/fd').filter((fd) => {
      try {
        return readlinkSync(`/proc/self/fd/${fd}`) === path;
      } catch {
        return false; // closed between listing and reading
      }
    }).length;

  it.skipIf(process.platform !== 'linux')('closes the file (JSON Lines and gzipped JSON Lines)', async () => {
    const lines = Array.from({ length: 20_000 }, (_, i) => JSON.stringify({ i, pad: 'x'.repeat(20) })).join('\n');
    const plain = file(lines, '.jsonl');
    const gz = join(dir, `f${n++}.jsonl.gz`);
    writeFileSync(gz, gzipSync(Buffer.from(lines)));
    for (const f of [plain, gz]) {
      for await (const rec of readJsonLines(f)) {
        expect(rec.value).toEqual({ i: 0, pad: 'x'.repeat(20) });
        expect(opened(f)).toBe(1);
        break;
      }
      await new Promise((r) => setTimeout(r, 50));
      expect(opened(f)).toBe(0);
    }
  });
});
