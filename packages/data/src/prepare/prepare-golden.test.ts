import { join } from 'node:path';
import { Tokenizer } from '@dft/tokenizer';
import { describe, expect, it } from 'vitest';
import { prepareParallel } from './prepare.js';
import { PARALLEL_300, TINY_LLAMA, tempDir } from '../test-utils/fixtures.js';
import { tokenDigests } from '../test-utils/token-digests.js';

const root = tempDir();
const engines = { rust: Tokenizer.fromDir(TINY_LLAMA, { engine: 'rust' }), js: Tokenizer.fromDir(TINY_LLAMA, { engine: 'js' }) };

// The golden files were written by the prepare of commit f3c9d94 (one whole encode per prompt, continuation and
// span end, pure-JS engine, one thread): token columns must stay exactly those, row for row, whatever the engine
// and the number of jobs.
describe('prepared token columns match the golden output of the reference prepare', () => {
  it.each([
    [512, 'rust', 1],
    [512, 'rust', 3],
    [512, 'js', 2],
    [96, 'rust', 2],
    [96, 'js', 1],
  ] as const)('alpaca-en-zh-300, maxLength %i, %s engine, %i job(s)', async (maxLength, engine, jobs) => {
    const tok = engines[engine];
    expect(tok.engine).toBe(engine);
    const s = await prepareParallel({ input: PARALLEL_300, tokenizer: tok, outDir: join(root, `${maxLength}-${engine}-${jobs}`), maxLength, jobs });
    await expect(tokenDigests(s.files.train!)).toMatchFileSnapshot(`../../fixtures/golden/alpaca-en-zh-300.max${maxLength}.tokens.txt`);
  });
});
