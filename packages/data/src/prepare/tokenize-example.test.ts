import { beforeAll, describe, expect, it } from 'vitest';
import type { ParallelExample } from '../read/records.js';
import { ALPACA_TEMPLATE } from './templates.js';
import type { TokenizedExample } from './tokenize-example.js';
import { ExampleTokenizer } from './tokenize-example.js';
import { llamaTokenizer } from '../test-utils/fixtures.js';

const tok = llamaTokenizer();
const pieces = (ids: ArrayLike<number>) => Array.from(ids, (i) => tok.idToToken(i));
const HEADER_IN =
  'Below is an instruction that describes a task, paired with an input that provides further context. ' +
  'Write a response that appropriately completes the request.\n\n### Instruction:\n';
const HEADER_NO = 'Below is an instruction that describes a task. Write a response that appropriately completes the request.\n\n### Instruction:\n';

const ex: ParallelExample = {
  id: 'x',
  lang: 'zh',
  instruction: '翻译',
  input: '你好',
  output: '嗨',
  enInstruction: 'Translate',
  enInput: 'Hi',
  enOutput: 'Hello',
};

describe('ExampleTokenizer (Llama-2 tokenizer, hand-checked example)', () => {
  const t = new ExampleTokenizer(tok, ALPACA_TEMPLATE, 512);
  const one = async (et: ExampleTokenizer, e: ParallelExample) => (await et.tokenizeBatch([e]))[0]!;
  let v: TokenizedExample;
  beforeAll(async () => {
    const r = await one(t, ex);
    if (!r.ok) throw new Error('expected ok');
    v = r.value;
  });

  it('target and English prompts are tok() of the literal Alpaca text, with BOS', () => {
    const tgtText = `${HEADER_IN}翻译\n\n### Input:\n你好\n\n### Response:`;
    expect(v.promptIds).toEqual(tok.encode(tgtText));
    expect(v.promptIds[0]).toBe(1);
    expect(v.promptIds.slice(-6)).toEqual([13, 13, 2277, 29937, 13291, 29901]); // \n \n ## # ▁Response :
    expect(v.enPromptIds).toEqual(tok.encode(`${HEADER_IN}Translate\n\n### Input:\nHi\n\n### Response:`));
    expect(v.promptIds.length).toBe(60);
    expect(v.enPromptIds.length).toBe(55);
  });

  it('continuations are the joint tokenisation after the prompt, responses end in EOS', () => {
    // 嗨 is not in the vocabulary: three UTF-8 byte-fallback tokens, then </s>
    expect(pieces(v.response.ids)).toEqual(['<0xE5>', '<0x97>', '<0xA8>', '</s>']);
    expect(v.response.ids).toEqual([232, 154, 171, 2]);
    // q_en = "Translate\n\nHi", no EOS
    expect(pieces(v.enQuery.ids)).toEqual(['Trans', 'late', '<0x0A>', '<0x0A>', 'Hi']);
    expect(v.enResponse.ids).toEqual([10994, 2]); // Hello </s>
    expect(v.enSftResponse.ids).toEqual([10994, 2]);
    for (const c of [v.response, v.enQuery, v.enResponse, v.enSftResponse]) expect(c.seam).toBe(0);
    expect(v.seamMerges).toBe(0);
  });

  it('query spans cover instruction through input, measured as len(tok(prefix text))', () => {
    // tok(HEADER_IN) = BOS + 38 tokens; the span ends after "你好" (60 - 6 template-tail tokens)
    expect([v.queryStart, v.queryEnd]).toEqual([39, 54]);
    expect(v.queryStart).toBe(tok.encode(HEADER_IN).length);
    expect(tok.decode(v.promptIds.slice(v.queryStart, v.queryEnd))).toBe('翻译\n\n### Input:\n你好');
    expect([v.enQueryStart, v.enQueryEnd]).toEqual([39, 49]);
    expect(pieces(v.enPromptIds.slice(v.enQueryStart, v.enQueryEnd))).toEqual([
      'Trans', 'late', '<0x0A>', '<0x0A>', '##', '#', '▁Input', ':', '<0x0A>', 'Hi',
    ]);
  });

  it('a merge across the seam keeps every character: prompt[0:len-seam] ⊕ continuation = tok(prompt + text)', async () => {
    const r2 = await one(t, { ...ex, input: '', enInput: '', output: '-1', enOutput: '- a' });
    if (!r2.ok) throw new Error('expected ok');
    const w = r2.value;
    const tgtText = `${HEADER_NO}翻译\n\n### Response:`;
    expect(w.promptIds).toEqual(tok.encode(tgtText));
    // ":" + "-1" tokenises as ":-", "1": the prompt's last token is replaced
    expect(w.response.seam).toBe(1);
    expect(pieces(w.response.ids)).toEqual([':-', '1', '</s>']);
    const seq = [...w.promptIds.slice(0, w.promptIds.length - w.response.seam), ...w.response.ids];
    expect(seq).toEqual([...tok.encode(tgtText + '-1'), 2]);
    expect(w.enResponse.seam).toBe(1);
    expect(w.enSftResponse.seam).toBe(1);
    expect(w.enQuery.seam).toBe(0);
    expect(w.seamMerges).toBe(3);
    expect([w.queryStart, w.queryEnd]).toEqual([tok.encode(HEADER_NO).length, tok.encode(`${HEADER_NO}翻译`).length]);
  });

  it('truncates the continuation from its end (EOS first) and never the prompt', async () => {
    const long = { ...ex, output: '嗨'.repeat(10), enOutput: 'Hello' };
    const t61 = new ExampleTokenizer(tok, ALPACA_TEMPLATE, 63);
    const r3 = await one(t61, long);
    if (!r3.ok) throw new Error('expected ok');
    // 60 prompt tokens + room for 3: the first three bytes of the first 嗨, no EOS
    expect(r3.value.response.ids).toEqual([232, 154, 171]);
    expect(r3.value.truncated).toEqual(['tft', 'lc']);
    expect(pieces(r3.value.enQuery.ids)).toEqual(['Trans', 'late', '<0x0A>']);
    expect(r3.value.enResponse.ids).toEqual([10994, 2]);
    // The target prompt (60 tokens) leaves no room at maxLength 60: dropped, not cut.
    expect(await one(new ExampleTokenizer(tok, ALPACA_TEMPLATE, 60), long)).toEqual({ ok: false, reason: 'prompt-too-long', promptLength: 60 });
  });

  it('rejects a maxLength that cannot hold a sequence', () => {
    expect(() => new ExampleTokenizer(tok, ALPACA_TEMPLATE, 1)).toThrow(/maxLength must be an integer >= 2, got 1/);
  });
});
