import { describe, expect, it } from 'vitest';
import { packResults, unpackResults } from './packed-results.js';
import { ALPACA_TEMPLATE } from './templates.js';
import { ExampleTokenizer } from './tokenize-example.js';
import { llamaTokenizer, parallelExamples, plainArrays } from '../test-utils/fixtures.js';

describe('packed worker results', () => {
  it('round-trip 60 fixture examples at maxLength 96 (kept, truncated and dropped ones) exactly', async () => {
    const examples = parallelExamples(60);
    const results = await new ExampleTokenizer(llamaTokenizer(), ALPACA_TEMPLATE, 96).tokenizeBatch(examples);
    const truncated = results.filter((r) => r.ok && r.value.truncated.length > 0).length;
    expect(truncated).toBeGreaterThan(0);
    expect(results.filter((r) => !r.ok).length + truncated).toBeLessThan(60);
    const packed = packResults(results);
    expect(plainArrays(unpackResults(packed))).toEqual(plainArrays(results));
  });

  it('an empty chunk packs to its count alone', () => {
    expect(Array.from(packResults([]))).toEqual([0]);
    expect(unpackResults(packResults([]))).toEqual([]);
  });
});
