import { readFileSync } from 'node:fs';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Tokenizer } from './tokenizer.js';

const fixtures = new URL('../../../fixtures/models/', import.meta.url).pathname;
const tok = Tokenizer.fromDir(join(fixtures, 'tiny-llama'));

describe('Tokenizer (tiny-llama tokenizer.json = Llama-2 vocabulary)', () => {
  const cases = JSON.parse(readFileSync(join(fixtures, 'llama2-token-ids.json'), 'utf8')) as {
    text: string;
    ids_with_bos: number[];
  }[];

  it.each(cases.map((c) => [c.text, c.ids_with_bos] as const))('encodes %j exactly like the reference', (text, ids) => {
    expect(tok.encode(text)).toEqual(ids);
  });

  it('reads BOS/EOS/pad and add_bos from tokenizer_config.json', () => {
    expect(tok.special).toEqual({ bosId: 1, eosId: 2, padId: null, addBos: true, addEos: false });
    expect(tok.vocabSize).toBe(32000);
    expect(tok.hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('round-trips text through decode', () => {
    for (const c of cases.slice(0, 6)) expect(tok.decode(tok.encode(c.text))).toBe(c.text);
  });

  it('joint tokenisation: prefix ids + continuation ids equal the ids of the concatenation', () => {
    const prefix = '### Response:';
    const cont = '\n你好，世界';
    const { prefix: p, continuation: c } = tok.encodePair(prefix, cont);
    expect([...p, ...c]).toEqual(tok.encode(prefix + cont));
    expect(p).toEqual(tok.encode(prefix));
    expect(c.length).toBeGreaterThan(0);
  });

  it('names the file when tokenizer.json is missing or broken', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tok-'));
    expect(() => Tokenizer.fromDir(dir)).toThrow(/tokenizer\.json not found/);
    const file = join(dir, 'tokenizer.json');
    writeFileSync(file, '{"model": ');
    expect(() => Tokenizer.fromDir(dir)).toThrow(`${file}: tokenizer.json is not valid JSON`);
    // Valid JSON that is no tokenizer: the error still names the file.
    writeFileSync(file, '{"model": {"type": "BPE"}}');
    expect(() => Tokenizer.fromDir(dir)).toThrow(new RegExp(`^${file}: `));
  });
});
