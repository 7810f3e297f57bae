import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tableFromIPC } from 'apache-arrow';
import type { Table } from 'apache-arrow';
import { beforeAll, describe, expect, it } from 'vitest';
import { readTextRows } from '../batch/dataset.js';
import type { PrepareSummary } from './prepare.js';
import { prepareParallel } from './prepare.js';
import { splitOf } from './split.js';
import { ALPACA_TEMPLATE } from './templates.js';
import { ExampleTokenizer } from './tokenize-example.js';
import { FIXTURES, PARALLEL_300, llamaTokenizer, parallelRows, tempDir } from '../test-utils/fixtures.js';

const tok = llamaTokenizer();
const root = tempDir();
let n = 0;
const out = () => join(root, `out${n++}`);
const raw = parallelRows();
/** The example prepare makes of a raw parallel row: the zh side, with the English side beside it. */
const zhExample = (id: string, src: (typeof raw)[number]) => ({
  id,
  lang: 'zh',
  instruction: src.zh_instruction,
  input: src.zh_input,
  output: src.zh_output,
  enInstruction: src.en_instruction,
  enInput: src.en_input,
  enOutput: src.en_output,
});
const isEmpty = (r: (typeof raw)[number]) => !r.zh_instruction.trim() || !r.zh_output.trim() || !r.en_instruction.trim() || !r.en_output.trim();
const readTable = (p: string): Table => tableFromIPC(readFileSync(p));
const col = (t: Table, c: string) => t.getChild(c)!.toArray() as unknown[];
const lists = (t: Table, c: string) => [...t.getChild(c)!].map((v) => Array.from(v as Iterable<number>));

describe('prepareParallel on 300 rows of alpaca-en-zh', () => {
  let s: PrepareSummary;
  beforeAll(async () => {
    s = await prepareParallel({ input: PARALLEL_300, tokenizer: tok, outDir: out(), validationFraction: 0.2, rowsPerBatch: 64 });
  });

  it('counts every row: written + skipped = read, and splits follow the id hash', () => {
    const empty = raw.filter(isEmpty).length;
    expect(empty).toBe(1);
    expect(s.counts.records).toBe(300);
    expect(s.counts.skippedEmpty).toBe(empty);
    expect(s.counts.written + s.counts.skippedEmpty + s.counts.droppedTooLong + s.counts.filteredScore).toBe(300);
    const ids = raw.map((_, i) => `alpaca-en-zh-300.json#${i}`).filter((_, i) => !isEmpty(raw[i]!));
    const wantVal = ids.filter((id) => splitOf(id, 0.2) === 'validation').length;
    expect(s.counts.perSplit).toEqual({ train: s.counts.written - wantVal, validation: wantVal });
    expect(wantVal).toBeGreaterThan(30);
    expect(wantVal).toBeLessThan(90);
    expect(s.counts.perLang).toEqual({ zh: s.counts.written });
    expect(s.counts.truncatedByKind.tft).toBeGreaterThan(0); // long Chinese answers exceed 512 tokens
  });

  it('round-trips the text of every row, by id', async () => {
    const rows = [...(await readTextRows(s.files.train!)), ...(await readTextRows(s.files.validation!))];
    expect(rows.length).toBe(s.counts.written);
    for (const r of rows) {
      const i = Number(r.id.split('#')[1]);
      const src = raw[i]!;
      expect(r).toEqual(zhExample(`alpaca-en-zh-300.json#${i}`, src));
    }
  });

  it('stores exactly the ExampleTokenizer columns (ids, lengths, seams, spans)', async () => {
    const t = readTable(s.files.train!);
    expect(t.batches.length).toBeGreaterThan(3); // rowsPerBatch 64
    const et = new ExampleTokenizer(tok, ALPACA_TEMPLATE, 512);
    const ids = col(t, 'id') as string[];
    const tokenCols = ['prompt_ids', 'response_ids', 'en_prompt_ids', 'en_query_ids', 'en_response_ids', 'en_sft_response_ids'];
    const stored = Object.fromEntries(tokenCols.map((c) => [c, lists(t, c)]));
    for (let r = 0; r < 25; r++) {
      const src = raw[Number(ids[r]!.split('#')[1])]!;
      const [want] = await et.tokenizeBatch([zhExample(ids[r]!, src)]);
      if (!want!.ok) throw new Error('unexpected drop');
      const w = want.value;
      const conts = [w.response, w.enQuery, w.enResponse, w.enSftResponse];
      expect(stored.prompt_ids![r]).toEqual(w.promptIds);
      expect(stored.en_prompt_ids![r]).toEqual(w.enPromptIds);
      ['response_ids', 'en_query_ids', 'en_response_ids', 'en_sft_response_ids'].forEach((c, k) => expect(stored[c]![r]).toEqual(conts[k]!.ids));
      expect(['response_seam', 'en_query_seam', 'en_response_seam', 'en_sft_response_seam'].map((c) => col(t, c)[r])).toEqual(conts.map((c) => c.seam));
      expect(['query_start', 'query_end', 'en_query_start', 'en_query_end'].map((c) => col(t, c)[r])).toEqual([
        w.queryStart,
        w.queryEnd,
        w.enQueryStart,
        w.enQueryEnd,
      ]);
      expect(col(t, 'prompt_length')[r]).toBe(w.promptIds.length);
      expect(col(t, 'response_length')[r]).toBe(w.response.ids.length);
    }
  });

  it('writes a sidecar with tokenizer hash, template, counts and source hashes', () => {
    const side = JSON.parse(readFileSync(s.sidecarPath, 'utf8'));
    expect(side.tokenizer).toEqual({ sha256: tok.hash, bosId: 1, eosId: 2, padId: 2, addBos: true, vocabSize: 32000 });
    expect(side.template).toEqual(ALPACA_TEMPLATE);
    expect(side.languages).toEqual(['zh']);
    expect(side.counts).toEqual(s.counts);
    expect(side.splits).toEqual({ train: 'train.arrow', validation: 'validation.arrow' });
    const sha = createHash('sha256').update(readFileSync(PARALLEL_300)).digest('hex');
    expect(side.sources).toEqual([{ path: PARALLEL_300, format: 'json', sha256: sha, bytes: readFileSync(PARALLEL_300).length, role: 'input' }]);
    expect(readdirSync(s.outDir).sort()).toEqual(['dataset.json', 'train.arrow', 'validation.arrow']);
  });
});

describe('prepareParallel sources and filters', () => {
  const base = { tokenizer: tok, maxLength: 256 };
  const columns = ['lang', 'instruction', 'input', 'output', 'en_instruction', 'en_input', 'en_output', 'prompt_ids', 'response_ids', 'en_query_ids', 'en_sft_response_ids', 'query_end'];
  const snapshot = (t: Table) => Object.fromEntries(columns.map((c) => [c, c.endsWith('_ids') ? lists(t, c) : col(t, c)]));

  it('reads the same 20 rows identically from JSON, JSONL, Parquet (pyarrow) and a datasets save_to_disk folder', async () => {
    const ref = snapshot(readTable((await prepareParallel({ ...base, input: PARALLEL_300, limit: 20, outDir: out() })).files.train!));
    expect(ref.instruction!.length).toBe(20);
    for (const input of ['parallel-20.jsonl', 'parallel-20.parquet', 'hf-parallel-20']) {
      const s = await prepareParallel({ ...base, input: join(FIXTURES, input), outDir: out() });
      expect(snapshot(readTable(s.files.train!)), input).toEqual(ref);
    }
  });

  it('two row-aligned Alpaca files give the same target side as the parallel form', async () => {
    const par = readTable((await prepareParallel({ ...base, input: PARALLEL_300, limit: 20, outDir: out() })).files.train!);
    const s = await prepareParallel({ ...base, input: join(FIXTURES, 'alpaca-en-20.json'), targetInput: join(FIXTURES, 'alpaca-zh-20.json'), lang: 'zh', outDir: out() });
    const two = readTable(s.files.train!);
    const en = JSON.parse(readFileSync(join(FIXTURES, 'alpaca-en-20.json'), 'utf8')) as { instruction: string; output: string }[];
    expect(col(two, 'en_instruction')).toEqual(en.map((r) => r.instruction));
    expect(col(two, 'en_output')).toEqual(en.map((r) => r.output));
    expect(col(two, 'id')).toEqual(en.map((_, i) => `alpaca-en-20.json#${i}`));
    for (const c of ['lang', 'instruction', 'output', 'prompt_ids', 'response_ids']) expect(c.endsWith('_ids') ? lists(two, c) : col(two, c)).toEqual(c.endsWith('_ids') ? lists(par, c) : col(par, c));
  });

  it('a lone English Alpaca file is English on both sides (for the sft baseline)', async () => {
    const s = await prepareParallel({ ...base, input: join(FIXTURES, 'alpaca-en-20.json'), outDir: out() });
    const t = readTable(s.files.train!);
    expect(new Set(col(t, 'lang'))).toEqual(new Set(['en']));
    expect(lists(t, 'prompt_ids')).toEqual(lists(t, 'en_prompt_ids'));
    expect(lists(t, 'response_ids')).toEqual(lists(t, 'en_sft_response_ids'));
    expect(s.languages).toEqual(['en']);
  });

  it('gives one row per selected language of a multilingual record, and reads a folder in natural order', async () => {
    const d = join(root, 'multi');
    mkdirSync(d);
    const rec = (i: number) => ({ id: `r${i}`, en_instruction: `Say ${i}.`, en_output: `${i}`, zh_instruction: `说${i}。`, zh_output: `${i}`, vi_instruction: `Nói ${i}.`, vi_input: '', vi_output: `${i}` });
    writeFileSync(join(d, 'part_10.jsonl'), `${JSON.stringify(rec(10))}\n`);
    writeFileSync(join(d, 'part_2.jsonl'), `${JSON.stringify(rec(2))}\n`);
    const both = readTable((await prepareParallel({ ...base, input: d, outDir: out() })).files.train!);
    expect(col(both, 'id')).toEqual(['r2', 'r2', 'r10', 'r10']);
    expect(col(both, 'lang')).toEqual(['zh', 'vi', 'zh', 'vi']);
    expect(col(both, 'instruction')).toEqual(['说2。', 'Nói 2.', '说10。', 'Nói 10.']);
    expect(col(both, 'en_input')).toEqual(['', '', '', '']);
    const vi = await prepareParallel({ ...base, input: d, languages: ['vi'], outDir: out() });
    expect(col(readTable(vi.files.train!), 'lang')).toEqual(['vi', 'vi']);
    expect(vi.counts.perLang).toEqual({ vi: 2 });
  });

  it('filters by translation score when present', async () => {
    const s = await prepareParallel({ ...base, input: PARALLEL_300, limit: 40, minScore: 5, outDir: out() });
    const first = raw.slice(0, 40).filter((r) => !isEmpty(r));
    const low = first.filter((r) => r.metadata.score < 5).length;
    expect(low).toBeGreaterThan(5);
    expect(s.counts.filteredScore).toBe(low);
    expect(s.counts.written).toBe(first.length - low - s.counts.droppedTooLong);
  });
});

describe('prepareParallel bad input: clear errors, nothing left behind', () => {
  const dir = tempDir();
  const write = (name: string, text: string | Uint8Array) => {
    const p = join(dir, name);
    writeFileSync(p, text);
    return p;
  };
  const row = { instruction: 'Say hi.', input: '', output: 'Hi.' };
  async function fails(opts: Partial<Parameters<typeof prepareParallel>[0]>, message: RegExp | string) {
    const o = join(dir, `out${n++}`);
    mkdirSync(o);
    await expect(prepareParallel({ tokenizer: tok, outDir: o, input: [], ...opts })).rejects.toThrow(message);
    expect(readdirSync(o)).toEqual([]);
  }

  it('malformed JSON names file and line', async () => {
    const p = write('bad.json', `[\n${JSON.stringify(row)},\n{"instruction": "x", "output": }\n]`);
    await fails({ input: p }, `${p}:3: record 1 is not valid JSON`);
  });

  it('missing or mistyped fields name file, line and field', async () => {
    const p = write('missing.json', `[\n${JSON.stringify(row)},\n${JSON.stringify({ instruction: 'x' })}\n]`);
    await fails({ input: p }, `${p}:3: record 1 is missing field "output" (expected a string)`);
    const q = write('typed.jsonl', `${JSON.stringify({ ...row, output: 3 })}\n`);
    await fails({ input: q }, `${q}:1: record 0 field "output" must be a string, found number`);
    const r = write('neither.jsonl', `{"question": "x"}\n`);
    await fails({ input: r }, /has neither "instruction" nor "en_instruction"/);
  });

  it('unequal row-aligned files report both counts', async () => {
    const en = write('en.json', JSON.stringify([row, row, row]));
    const zh = write('zh.json', JSON.stringify([row, row]));
    await fails({ input: en, targetInput: zh, lang: 'zh' }, /unequal parallel files: English .*en\.json has 3 records but zh .*zh\.json has 2/);
    await fails({ input: en, targetInput: zh }, /target files were given without their language/);
  });

  it('unknown or missing language fields', async () => {
    await fails({ input: join(FIXTURES, 'parallel-20.jsonl'), languages: ['vi'] }, /no fields for language "vi" \(found languages: zh; expected vi_instruction/);
    await fails({ input: join(FIXTURES, 'alpaca-en-20.json'), lang: 'vi' }, /lang "vi" was given without target files/);
  });

  it('empty input and inputs with nothing usable', async () => {
    const e = write('empty.json', '[]');
    await fails({ input: e }, /empty input: .*empty\.json hold no records/);
    const blank = write('blank.json', JSON.stringify([{ instruction: ' ', input: '', output: 'x' }]));
    await fails({ input: blank }, /no rows left to write \(read 1 records: 1 empty/);
    await fails({ input: join(dir, 'nope.json') }, /nope\.json: no such file or directory/);
    await fails({ input: write('data.csv', 'a,b') }, /unknown file type ".csv"/);
  });

  it('unreadable Parquet and Arrow files', async () => {
    await fails({ input: write('bad.parquet', new Uint8Array(64).fill(7)) }, /bad\.parquet: unreadable Parquet file/);
    await fails({ input: write('bad.arrow', new Uint8Array(64).fill(7)) }, /bad\.arrow: not a readable Arrow IPC file/);
  });

  it('leaves an existing output untouched when a later run fails', async () => {
    const o = join(dir, 'keep');
    const good = await prepareParallel({ tokenizer: tok, outDir: o, input: join(FIXTURES, 'parallel-20.jsonl') });
    const before = readFileSync(good.files.train!);
    const p = write('late-bad.jsonl', `${JSON.stringify(row)}\n{oops\n`);
    await expect(prepareParallel({ tokenizer: tok, outDir: o, input: p })).rejects.toThrow(/late-bad\.jsonl:2/);
    expect(readdirSync(o).sort()).toEqual(['dataset.json', 'train.arrow']);
    expect(readFileSync(good.files.train!).equals(before)).toBe(true);
    expect(existsSync(join(o, 'validation.arrow'))).toBe(false);
  });
});
