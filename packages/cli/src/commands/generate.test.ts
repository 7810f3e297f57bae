import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generate, loadPretrained, selectBackend, type Pretrained } from '@dft/core';
import { dft, TINY_LLAMA } from '../test-utils/cli-harness.js';

interface Generated {
  prompt: string;
  text: string;
  tokens: number[];
  finishReason: string;
}

let tiny: Pretrained;
beforeAll(async () => {
  await selectBackend({ prefer: 'wasm', log: null });
  tiny = loadPretrained(TINY_LLAMA, { log: null });
});
afterAll(() => tiny.model.dispose());

describe('dft generate', () => {
  const prompts = ['Once upon a time', 'def add(a, b):'];

  it('greedy --json output is the core generate() of the encoded prompts, token for token', async () => {
    const r = await dft('generate', '--model', TINY_LLAMA, '--prompt', prompts[0], '--prompt', prompts[1], '--max-new-tokens', '6', '--json');
    expect(r.code).toBe(0);
    const rows = JSON.parse(r.out) as Generated[];
    const tok = tiny.tokenizer!;
    const want = generate(tiny.model, prompts.map((p) => tok.encode(p)), { maxNewTokens: 6, tokenizer: tok });
    expect(rows.map((x) => x.prompt)).toEqual(prompts);
    expect(rows.map((x) => x.tokens)).toEqual(want.tokens);
    expect(rows.map((x) => x.text)).toEqual(want.texts);
    expect(rows.map((x) => x.finishReason)).toEqual(want.finishReasons);
    for (const x of rows) expect(x.tokens).toHaveLength(6);
    // Greedy: each prompt alone decodes the same as in the batch.
    const alone = generate(tiny.model, [tok.encode(prompts[1])], { maxNewTokens: 6 });
    expect(alone.tokens[0]).toEqual(rows[1].tokens);
  });

  it('prints the continuation as text without --json', async () => {
    const r = await dft('generate', '--model', TINY_LLAMA, '--prompt', prompts[0], '--max-new-tokens', '4');
    expect(r.code).toBe(0);
    const tok = tiny.tokenizer!;
    const want = generate(tiny.model, [tok.encode(prompts[0])], { maxNewTokens: 4, tokenizer: tok });
    expect(r.out).toBe(`${want.texts![0]}\n`);
  });

  it('usage errors exit 2: no prompt, a bad number', async () => {
    const noPrompt = await dft('generate', '--model', TINY_LLAMA);
    expect(noPrompt.code).toBe(2);
    expect(noPrompt.err).toMatch(/--prompt is required/);
    const badNumber = await dft('generate', '--model', TINY_LLAMA, '--prompt', 'x', '--max-new-tokens', 'many');
    expect(badNumber.code).toBe(2);
    expect(badNumber.err).toMatch(/--max-new-tokens must be an integer ≥ 1, got "many"/);
  });

  it('a model folder that does not exist exits 1 naming it', async () => {
    const r = await dft('generate', '--model', '/nonexistent/model', '--prompt', 'x');
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/\/nonexistent\/model/);
  });
});
