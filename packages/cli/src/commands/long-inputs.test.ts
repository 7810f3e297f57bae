import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generate, loadPretrained, selectBackend, type Pretrained } from '@dft/core';
import { COMMANDS } from '../cli.js';
import { dft, tempDir, TINY_LLAMA, writeShortRecords } from '../test-utils/cli-harness.js';

/** Inputs longer than the model's context, and numeric flags out of range. */

const LIMIT = 32;
let tiny: Pretrained;
let tmp: ReturnType<typeof tempDir>;
/** tiny-llama with a 32-position context, so the sequences at the limit are cheap to run. */
let short: string;
beforeAll(async () => {
  await selectBackend({ prefer: 'wasm', log: null });
  tmp = tempDir('long');
  short = join(tmp.dir, 'tiny-llama-32');
  cpSync(TINY_LLAMA, short, { recursive: true });
  const config = JSON.parse(readFileSync(join(short, 'config.json'), 'utf8')) as Record<string, unknown>;
  writeFileSync(join(short, 'config.json'), JSON.stringify({ ...config, max_position_embeddings: LIMIT }));
  tiny = loadPretrained(short, { log: null });
});
afterAll(() => {
  tiny.model.dispose();
  tmp.remove();
});

const longPrompt = 'the cat sat on the mat and '.repeat(8);

describe('inputs over the context', () => {
  it('every command says in --help what it does with long inputs', async () => {
    for (const cmd of COMMANDS) {
      const r = await dft(cmd.name, '--help');
      expect(r.code).toBe(0);
      expect(r.out, cmd.name).toMatch(/\nlong inputs: \S.{20,}\n/);
    }
  });

  it('dft score refuses a sequence longer than max_position_embeddings, naming the limit and the line; one that fits is scored', async () => {
    expect(tiny.model.config.maxPositionEmbeddings).toBe(LIMIT);
    const ids = (n: number) => Array.from({ length: n }, (_, i) => 1 + (i % 100));
    const input = join(tmp.dir, 'seqs.jsonl');
    writeFileSync(input, `${JSON.stringify({ ids: ids(LIMIT) })}\n${JSON.stringify({ ids: ids(LIMIT + 1) })}\n`);
    const r = await dft('score', '--model', short, '--input', input, '--json');
    expect(r.code).toBe(1);
    expect(r.err).toContain(`${input}:2: ${LIMIT + 1} tokens, more than the model's ${LIMIT} positions (max_position_embeddings of ${short})`);
    expect(r.out).toBe(''); // nothing printed for the rows before it
    writeFileSync(input, `${JSON.stringify({ ids: ids(LIMIT) })}\n`);
    const ok = await dft('score', '--model', short, '--input', input, '--json');
    expect(ok.code).toBe(0);
    const [row] = JSON.parse(ok.out) as { logprobs: number[]; nll: number }[];
    expect(row.logprobs).toHaveLength(LIMIT - 1);
    expect(Number.isFinite(row.nll)).toBe(true);
  });

  it('dft generate refuses a prompt that does not fit with its new tokens; --truncate left keeps the BOS and the last tokens and warns', async () => {
    const enc = tiny.tokenizer!.encode(longPrompt);
    expect(enc.length).toBeGreaterThan(LIMIT);
    const refused = await dft('generate', '--model', short, '--prompt', 'hi', '--prompt', longPrompt, '--max-new-tokens', '4');
    expect(refused.code).toBe(1);
    expect(refused.err).toContain(`prompt 2 has ${enc.length} tokens: with --max-new-tokens 4 that is ${enc.length + 4} positions, more than the ${LIMIT} (max_position_embeddings) of ${short}; shorten it, lower --max-new-tokens, or pass --truncate left`);
    expect(refused.out).toBe('');
    const cut = await dft('generate', '--model', short, '--prompt', longPrompt, '--max-new-tokens', '4', '--truncate', 'left', '--json');
    expect(cut.code).toBe(0);
    expect(cut.err).toContain(`warning: prompt 1 has ${enc.length} tokens`);
    expect(cut.err).toContain(`dropped ${enc.length - (LIMIT - 4)} tokens after the BOS token (--truncate left)`);
    // As HF's truncation_side="left": the BOS stays, the oldest text tokens go.
    const bos = tiny.tokenizer!.special.bosId!;
    expect(enc[0]).toBe(bos);
    const kept = [bos, ...enc.slice(enc.length - (LIMIT - 5))];
    expect((JSON.parse(cut.out) as { inputTokens: number[] }[])[0].inputTokens).toEqual(kept);
    const want = generate(tiny.model, [kept], { maxNewTokens: 4, tokenizer: tiny.tokenizer! });
    expect((JSON.parse(cut.out) as { tokens: number[] }[])[0].tokens).toEqual(want.tokens[0]);
  });

  it('numeric flags out of range and unknown choices are usage errors (exit 2) naming the flag', async () => {
    const cases: [string[], string][] = [
      [['generate', '--model', TINY_LLAMA, '--prompt', 'x', '--max-new-tokens=-5'], '--max-new-tokens must be an integer ≥ 1, got "-5"'],
      [['generate', '--model', TINY_LLAMA, '--prompt', 'x', '--max-tokens=-5'], '--max-new-tokens must be an integer ≥ 1, got "-5"'], // the former name
      [['generate', '--model', TINY_LLAMA, '--prompt', 'x', '--top-p', '0'], '--top-p must be a number > 0 and ≤ 1, got "0"'],
      [['generate', '--model', TINY_LLAMA, '--prompt', 'x', '--truncate', 'middle'], '--truncate must be one of none, left, got "middle"'],
      [['generate', '--model', short, '--prompt', 'x', '--max-new-tokens', String(LIMIT)], `--max-new-tokens ${LIMIT} leaves no room for a prompt in the ${LIMIT} positions`],
      [['eval', '--model', TINY_LLAMA, '--tasks', 'xcopa:zh', '--micro-batch', '0.5'], '--micro-batch must be an integer ≥ 1, got "0.5"'],
      [['prepare', '--input', 'x.json', '--tokenizer', TINY_LLAMA, '--out', join(tmp.dir, 'p'), '--max-length=-1'], '--max-length must be an integer ≥ 1, got "-1"'],
    ];
    for (const [args, message] of cases) {
      const r = await dft(...args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.err).toContain(message);
    }
  });

  it('dft train refuses data prepared with a max length above the model\'s context', async () => {
    const raw = join(tmp.dir, 'four.json');
    writeShortRecords(raw, 4);
    const data = join(tmp.dir, 'long-data');
    expect((await dft('prepare', '--input', raw, '--tokenizer', TINY_LLAMA, '--out', data, '--max-length', '600')).code).toBe(0);
    const r = await dft('train', '--model', TINY_LLAMA, '--data', data, '--out', join(tmp.dir, 'run'), '--method', 'sft', '--micro-batch', '1', '--global-batch', '1', '--max-steps', '1');
    expect(r.code).toBe(1);
    expect(r.err).toContain(`${join(data, 'train.arrow')} was prepared with max length 600, more than the 512 positions (max_position_embeddings) of ${TINY_LLAMA}`);
  });
});
