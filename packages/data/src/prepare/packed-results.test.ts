import { describe, expect, it } from 'vitest';
import { packResults, unpackResults } from './packed-results.js';
import type { ParallelExample } from '../read/records.js';
import { ALPACA_TEMPLATE } from './templates.js';
import { ExampleTokenizer } from './tokenize-example.js';
import { llamaTokenizer, parallelRows } from '../test-utils/fixtures.js';

/** Plain arrays everywhere, so packed views and tokenizer arrays compare by value. */
const plain = (x: unknown): unknown =>
  ArrayBuffer.isView(x) ? Array.from(x as Int32Array) : Array.isArray(x) ? x.map(plain) : x && typeof x === 'object' ? Object.fromEntries(Object.entries(x).map(([k, v]) => [k, plain(v)])) : x;

describe('packed worker results', () => {
  it('round-trip 60 fixture examples at maxLength 96 (kept, truncated and dropped ones) exactly', async () => {
    const examples: ParallelExample[] = parallelRows()
      .slice(0, 60)
      .map((r, i) => ({ id: String(i), lang: 'zh', instruction: r.zh_instruction, input: r.zh_input, output: r.zh_output, enInstruction: r.en_instruction, enInput: r.en_input, enOutput: r.en_output }));
    const results = await new ExampleTokenizer(llamaTokenizer(), ALPACA_TEMPLATE, 96).tokenizeBatch(examples);
    const truncated = results.filter((r) => r.ok && r.value.truncated.length > 0).length;
    expect(truncated).toBeGreaterThan(0);
    expect(results.filter((r) => !r.ok).length + truncated).toBeLessThan(60);
    const packed = packResults(results);
    expect(plain(unpackResults(packed))).toEqual(plain(results));
  });

  it('an empty chunk packs to its count alone', () => {
    expect(Array.from(packResults([]))).toEqual([0]);
    expect(unpackResults(packResults([]))).toEqual([]);
  });
});
