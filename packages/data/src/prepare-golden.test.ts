import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { prepareParallel } from './prepare.js';
import { PARALLEL_300, llamaTokenizer, tempDir } from './test-utils/fixtures.js';
import { tokenDigests } from './test-utils/token-digests.js';

const root = tempDir();

// The golden files were written by the prepare of commit f3c9d94 (one encode per prompt, continuation and span
// end, the pure-JS engine): today's token columns must stay exactly those, row for row.
describe('prepared token columns match the golden output of the reference prepare', () => {
  it.each([512, 96])('alpaca-en-zh-300, maxLength %i', async (maxLength) => {
    const s = await prepareParallel({ input: PARALLEL_300, tokenizer: llamaTokenizer(), outDir: join(root, `m${maxLength}`), maxLength });
    await expect(tokenDigests(s.files.train!)).toMatchFileSnapshot(`../fixtures/golden/alpaca-en-zh-300.max${maxLength}.tokens.txt`);
  });
});
