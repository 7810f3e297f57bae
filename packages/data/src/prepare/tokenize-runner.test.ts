import { Tokenizer } from '@dft/tokenizer';
import { describe, expect, it } from 'vitest';
import type { ParallelExample } from '../read/records.js';
import { OrderedChunks } from './ordered-chunks.js';
import { ALPACA_TEMPLATE } from './templates.js';
import type { TokenizeResult } from './tokenize-example.js';
import { ExampleTokenizer } from './tokenize-example.js';
import { tokenizeRunner } from './tokenize-runner.js';
import { TINY_LLAMA, parallelExamples, plainArrays } from '../test-utils/fixtures.js';

const examples = parallelExamples(48);

describe('tokenizeRunner with chunks in flight as prepare runs them', () => {
  // The Rust engine runs every job's chunks as concurrent encode calls on one tokenizer (no worker thread, each
  // of which would hold a tokenizer, a heap and uncollected encodings of its own); the JS engine needs the workers.
  it.each([
    ['rust', 3, 0],
    ['js', 2, 1],
  ] as const)('%s engine, %i jobs: %i worker thread(s), at most 2 × jobs chunks in flight, the ids of one batch', async (engine, jobs, workers) => {
    const tok = Tokenizer.fromDir(TINY_LLAMA, { engine });
    const runner = tokenizeRunner(tok, ALPACA_TEMPLATE, 128, jobs);
    try {
      expect(runner.workers).toBe(workers);
      let started = 0;
      let finished = 0;
      let maxInFlight = 0;
      const got: TokenizeResult[] = [];
      const chunks = new OrderedChunks(
        2 * jobs,
        (c: ParallelExample[]) => {
          started++;
          maxInFlight = Math.max(maxInFlight, started - finished);
          return runner.run(c);
        },
        (_, r: TokenizeResult[]) => {
          finished++;
          got.push(...r);
        },
      );
      for (let i = 0; i < examples.length; i += 6) await chunks.submit(examples.slice(i, i + 6));
      await chunks.drain();
      expect(started).toBe(8);
      expect(maxInFlight).toBe(2 * jobs);
      const whole = await new ExampleTokenizer(tok, ALPACA_TEMPLATE, 128).tokenizeBatch(examples);
      expect(got.filter((r) => r.ok).length).toBeGreaterThan(40);
      expect(plainArrays(got)).toEqual(plainArrays(whole));
    } finally {
      await runner.close();
    }
  });
});
