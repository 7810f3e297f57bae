import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generate, loadPretrained, selectBackend, type Pretrained } from '@dft/core';
import { dft, tempDir, TINY_LLAMA } from '../test-utils/cli-harness.js';
import { decodingOptions } from './generate.js';

interface Generated {
  prompt: string;
  text: string;
  tokens: number[];
  finishReason: string;
}

let tiny: Pretrained;
let tmp: ReturnType<typeof tempDir>;
beforeAll(async () => {
  await selectBackend({ prefer: 'wasm', log: null });
  tiny = loadPretrained(TINY_LLAMA, { log: null });
  tmp = tempDir('generate');
});
afterAll(() => {
  tiny.model.dispose();
  tmp.remove();
});

/** The tiny model in a folder of its own, with some of its JSON files replaced (the weights are links). */
function modelWith(name: string, files: Record<string, unknown>): string {
  const dir = join(tmp.dir, name);
  const own = ['config.json', 'model.safetensors', 'tokenizer.json', 'tokenizer_config.json', 'special_tokens_map.json', 'generation_config.json'];
  mkdirSync(dir);
  for (const f of own) {
    if (f in files) writeFileSync(join(dir, f), typeof files[f] === 'string' ? (files[f] as string) : JSON.stringify(files[f]));
    else symlinkSync(join(TINY_LLAMA, f), join(dir, f));
  }
  return dir;
}

const tinyJson = (f: string) => JSON.parse(readFileSync(join(TINY_LLAMA, f), 'utf8')) as Record<string, unknown>;

type Row = Generated & { format: string; input: string; inputTokens: number[] };
async function generated(...args: string[]): Promise<Row[]> {
  const r = await dft('generate', ...args, '--json');
  expect(r.code, r.err).toBe(0);
  return JSON.parse(r.out) as Row[];
}

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

  /** A Llama-2-chat-like template: BOS and EOS from the special tokens, the answer cue only with add_generation_prompt. */
  const CHAT_TEMPLATE =
    "{{ bos_token }}{% for message in messages %}{% if message['role'] == 'user' %}{{ '[INST] ' + message['content'] | trim + ' [/INST]' }}" +
    "{% else %}{{ ' ' + message['content'] | trim + ' ' + eos_token }}{% endif %}{% endfor %}{% if add_generation_prompt %}{{ ' Answer:' }}{% endif %}";

  it('a chat model gets its chat_template (rendered with add_generation_prompt and its BOS, encoded without adding another)', async () => {
    const chat = modelWith('chat', { 'tokenizer_config.json': { ...tinyJson('tokenizer_config.json'), chat_template: CHAT_TEMPLATE } });
    const [row] = await generated('--model', chat, '--prompt', '  三原色是什么？ ', '--max-new-tokens', '3');
    expect(row.format).toBe('chat');
    expect(row.input).toBe('<s>[INST] 三原色是什么？ [/INST] Answer:');
    // One BOS (the template's), then "▁[INST]" = 518 25580 29962 as in every Llama-2-chat prompt.
    expect(row.inputTokens.slice(0, 4)).toEqual([1, 518, 25580, 29962]);
    expect(row.inputTokens).toEqual(tiny.tokenizer!.encode(row.input, { addSpecialTokens: false }));
    expect(row.inputTokens.filter((id) => id === 1)).toHaveLength(1);
    // The model is fed exactly these ids.
    const want = generate(tiny.model, [row.inputTokens], { maxNewTokens: 3, tokenizer: tiny.tokenizer! });
    expect(row.tokens).toEqual(want.tokens[0]);
    // chat_template.jinja (transformers ≥ 4.50) wins over tokenizer_config.json; --raw uses neither.
    const jinja = modelWith('chat-jinja', { 'tokenizer_config.json': { ...tinyJson('tokenizer_config.json'), chat_template: 'unused' } });
    writeFileSync(join(jinja, 'chat_template.jinja'), "{% for m in messages %}User: {{ m['content'] }}{% endfor %}{% if add_generation_prompt %}\nBot:{% endif %}");
    // transformers renders chat templates with trim_blocks: the newline right after a block tag goes.
    expect((await generated('--model', jinja, '--prompt', 'hi', '--max-new-tokens', '1'))[0].input).toBe('User: hiBot:');
    const [raw] = await generated('--model', chat, '--prompt', 'hi', '--max-new-tokens', '1', '--raw');
    expect(raw).toMatchObject({ format: 'raw', input: 'hi', inputTokens: tiny.tokenizer!.encode('hi') });
  });

  it('a chat template that raises, or that does not parse, is an error naming the file', async () => {
    const raising = modelWith('raises', { 'tokenizer_config.json': { ...tinyJson('tokenizer_config.json'), chat_template: "{{ raise_exception('only system messages') }}" } });
    const r = await dft('generate', '--model', raising, '--prompt', 'x');
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/raises\/tokenizer_config\.json: the chat template failed: only system messages/);
    const broken = modelWith('broken', { 'tokenizer_config.json': { ...tinyJson('tokenizer_config.json'), chat_template: '{% if %}' } });
    expect((await dft('generate', '--model', broken, '--prompt', 'x')).err).toMatch(/broken\/tokenizer_config\.json: the chat template failed/);
  });

  it('reads generation_config.json as transformers does (eos lists, max_new_tokens, repetition_penalty, sampling); flags win', async () => {
    const prompt = 'The cat';
    const ids = tiny.tokenizer!.encode(prompt);
    const tok = tiny.tokenizer!;
    const config = modelWith('gen', { 'generation_config.json': { bos_token_id: 1, eos_token_id: 2, max_new_tokens: 5, repetition_penalty: 0.5 } });
    const [row] = await generated('--model', config, '--prompt', prompt);
    expect(row.tokens).toEqual(generate(tiny.model, [ids], { maxNewTokens: 5, repetitionPenalty: 0.5 }).tokens[0]);
    expect(row.tokens).toHaveLength(5);
    expect(row.tokens).not.toEqual(generate(tiny.model, [ids], { maxNewTokens: 5 }).tokens[0]);
    const [flagged] = await generated('--model', config, '--prompt', prompt, '--max-new-tokens', '3', '--repetition-penalty', '1');
    expect(flagged.tokens).toEqual(generate(tiny.model, [ids], { maxNewTokens: 3 }).tokens[0]);
    // A list of EOS ids: the first greedy token, named second in the list, ends the answer at once.
    const first = generate(tiny.model, [ids], { maxNewTokens: 1 }).tokens[0][0];
    const eos = modelWith('eos', { 'generation_config.json': { eos_token_id: [2, first] } });
    expect((await generated('--model', eos, '--prompt', prompt))[0]).toMatchObject({ tokens: [], finishReason: 'eos' });
    // do_sample: the file's temperature and top_k; --temperature 0 is greedy again.
    const sampled = modelWith('sample', { 'generation_config.json': { do_sample: true, temperature: 1.3, top_k: 5, top_p: 0.95, max_new_tokens: 6 } });
    const [s] = await generated('--model', sampled, '--prompt', prompt, '--seed', '3');
    expect(s.tokens).toEqual(generate(tiny.model, [ids], { maxNewTokens: 6, temperature: 1.3, topK: 5, topP: 0.95, seed: 3, eosTokenIds: [2] }).tokens[0]);
    const [g] = await generated('--model', sampled, '--prompt', prompt, '--temperature', '0');
    expect(g.tokens).toEqual(generate(tiny.model, [ids], { maxNewTokens: 6, tokenizer: tok }).tokens[0]);
  });

  it('generation defaults: flags over the file over transformers (top_k 50, max_length counts the prompt)', () => {
    expect(decodingOptions({}, {}, 4)).toEqual({ temperature: 0, topP: 1, topK: 50, repetitionPenalty: 1, maxNewTokens: 64 });
    expect(decodingOptions({}, { doSample: true, maxLength: 20, eosTokenIds: [2, 7] }, 4)).toEqual({ temperature: 1, topP: 1, topK: 50, repetitionPenalty: 1, maxNewTokens: 16, eosTokenIds: [2, 7] });
    expect(decodingOptions({ temperature: 0.5, topK: 0, maxNewTokens: 9 }, { doSample: false, temperature: 0.9, topK: 3, maxNewTokens: 2 }, 4)).toMatchObject({ temperature: 0.5, topK: 0, maxNewTokens: 9 });
  });

  it('a generation_config.json with a wrong value is an error naming the file and key', async () => {
    const bad = modelWith('bad-gen', { 'generation_config.json': { top_p: 2 } });
    const r = await dft('generate', '--model', bad, '--prompt', 'x');
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/bad-gen\/generation_config\.json: "top_p" must be a number in \(0, 1\], got 2/);
    const list = modelWith('bad-eos', { 'generation_config.json': { eos_token_id: ['</s>'] } });
    expect((await dft('generate', '--model', list, '--prompt', 'x')).err).toMatch(/"eos_token_id" must be a token id or a list of token ids/);
  });
});
