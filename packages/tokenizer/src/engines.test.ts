import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PieceEncoder } from './piece-encoder.js';
import { Tokenizer } from './tokenizer.js';

const fixtures = new URL('../../../fixtures/models/', import.meta.url).pathname;
const dir = join(fixtures, 'tiny-llama');
const rust = Tokenizer.fromDir(dir, { engine: 'rust' });
const js = Tokenizer.fromDir(dir, { engine: 'js' });
const cases = JSON.parse(readFileSync(join(fixtures, 'llama2-token-ids.json'), 'utf8')) as { text: string; ids_with_bos: number[] }[];
// Every text field of the bundled training fixture (300 parallel en-zh Alpaca records).
const rows = JSON.parse(readFileSync(new URL('../../data/fixtures/alpaca-en-zh-300.json', import.meta.url), 'utf8')) as Record<string, unknown>[];
const fields = ['en_instruction', 'en_input', 'en_output', 'zh_instruction', 'zh_input', 'zh_output'];
const rowTexts = rows.flatMap((r) => fields.map((f) => String(r[f] ?? '')));
const prompt = (r: Record<string, unknown>, l: string) =>
  `Below is an instruction.\n\n### Instruction:\n${String(r[`${l}_instruction`])}\n\n### Input:\n${String(r[`${l}_input`] ?? '')}\n\n### Response:${String(r[`${l}_output`])}`;
const sequences = rows.flatMap((r) => [prompt(r, 'en'), prompt(r, 'zh')]);
const noSpecial = (t: Tokenizer, s: string) => t.encode(s, { addSpecialTokens: false });

describe('tokenizer engines: Rust (tokenizers, napi) and JS (@huggingface/tokenizers) give the same ids', () => {
  it('loads the Rust engine here, and the JS one when asked', () => {
    expect(rust.engine).toBe('rust');
    expect(js.engine).toBe('js');
    expect(rust.vocabSize).toBe(32000);
    expect(rust.special).toEqual(js.special);
    expect(rust.walls).toEqual(['\n']);
  });

  it.each(cases.map((c) => [c.text.slice(0, 30), c] as const))('reference ids of %j (en/zh/vi/ar/whitespace/mixed) from both', async (_, c) => {
    const want = c.ids_with_bos.slice(1);
    for (const t of [rust, js]) expect(await t.encodeBatch([c.text])).toEqual([want]);
  });

  it('every field of the 300-row training fixture, and whole prompts, encode identically in both engines', async () => {
    const texts = [...rowTexts, ...sequences];
    const fromRust = await rust.encodeBatch(texts);
    const fromJs = await js.encodeBatch(texts);
    expect(fromRust.length).toBe(texts.length);
    let differing = 0;
    texts.forEach((_, i) => (differing += JSON.stringify(fromRust[i]) === JSON.stringify(fromJs[i]) ? 0 : 1));
    expect(differing).toBe(0);
    expect(fromJs.slice(0, 12)).toEqual(rowTexts.slice(0, 12).map((s) => noSpecial(js, s)));
  });

  it('encodeTexts / encodePairs (what eval and generate await) equal the synchronous encode / encodePair on both engines', async () => {
    const texts = cases.map((c) => c.text);
    const pairs = sequences.slice(0, 40).map((s) => [s.slice(0, s.indexOf('### Response:') + 13), s.slice(s.indexOf('### Response:') + 13)] as const);
    pairs.push(['### Response:', '-1'], ['Answer:', ' yes']);
    for (const t of [rust, js]) {
      expect(await t.encodeTexts(texts)).toEqual(cases.map((c) => c.ids_with_bos));
      expect(await t.encodeTexts(texts, { addSpecialTokens: false })).toEqual(texts.map((s) => noSpecial(js, s)));
      expect(await t.encodePairs(pairs)).toEqual(pairs.map(([p, c]) => js.encodePair(p, c)));
    }
    // The seam case: `:` and `-` merge, so the prefix region is not tok(prefix) but the concatenation still is whole.
    const [seam] = await rust.encodePairs([['### Response:', '-1']]);
    expect([...seam!.prefix, ...seam!.continuation]).toEqual(js.encode('### Response:-1'));
  });

  it('an engine that was named but cannot be used, or an unknown one, is an error', () => {
    expect(() => Tokenizer.fromDir(dir, { engine: 'fast' as never })).toThrow(/unknown engine "fast".*rust, js or auto/);
    const prev = process.env.DFT_TOKENIZER_ENGINE;
    process.env.DFT_TOKENIZER_ENGINE = 'js';
    try {
      expect(Tokenizer.fromDir(dir).engine).toBe('js');
    } finally {
      if (prev === undefined) delete process.env.DFT_TOKENIZER_ENGINE;
      else process.env.DFT_TOKENIZER_ENGINE = prev;
    }
  });

  it('rebuilds the same tokenizer from its init (what worker threads do)', async () => {
    const again = Tokenizer.fromInit(rust.init);
    expect(again.engine).toBe('rust');
    expect(again.hash).toBe(rust.hash);
    expect(await again.encodeBatch(sequences.slice(0, 3))).toEqual(await rust.encodeBatch(sequences.slice(0, 3)));
  });
});

describe('PieceEncoder: piece-by-piece between walls, the ids of one whole encode', () => {
  it.each([
    ['rust', rust],
    ['js', js],
  ] as const)('%s: whole prompts with every seam of the fixture, edge cases of the wall', async (_, t) => {
    const enc = new PieceEncoder(t);
    const edge = ['', '\n', '\n\n', 'a\n', '\na', ' \n x', '\n\n### Response:-1', '### Response:\n\n你好\n', 'x\n\n\ny \n'];
    const texts = [...edge, ...sequences, ...sequences.map((s) => s.slice(0, s.lastIndexOf('\n')))];
    const pieces = await enc.encodeAll(texts);
    const whole = await t.encodeBatch(texts);
    expect(pieces).toEqual(whole);
    // A second call is served from the piece cache and is still exact.
    expect(await enc.encodeAll(texts.slice(0, 40))).toEqual(whole.slice(0, 40));
  });

  it('calls in flight together stay exact when one of them starts the cache afresh (a small cache limit)', async () => {
    const enc = new PieceEncoder(rust, 50);
    const chunks = [sequences.slice(0, 60), sequences.slice(30, 90), sequences.slice(60, 120), sequences.slice(0, 60)];
    const got = await Promise.all(chunks.map((c) => enc.encodeAll(c)));
    expect(got).toEqual(await Promise.all(chunks.map((c) => rust.encodeBatch(c))));
  });
});
