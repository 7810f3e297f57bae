import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Template } from '@huggingface/jinja';
import { TRAINER_STATE_FILE } from '@dft/core/internal';
import type { Tokenizer } from '@dft/tokenizer';
import { ALPACA_TEMPLATE, renderPrompt, resolveTemplate, SIDECAR_NAME, type PromptTemplate } from '@dft/data';
import { readJsonObject } from './read-json.js';

/**
 * How a prompt is put to a model, so that it sees what it was trained on:
 * - `alpaca`: a checkpoint written by `dft train` (it has trainer_state.json) learned answers after the template of
 *   its prepared data (Stanford Alpaca unless the data said otherwise);
 * - `chat`: a chat model's own `chat_template` (chat_template.jinja or tokenizer_config.json), as transformers'
 *   `apply_chat_template(messages, add_generation_prompt=True)` renders it;
 * - `raw`: the text as given (with the BOS the tokenizer config asks for).
 */
export type PromptFormat =
  | { kind: 'raw' }
  | { kind: 'alpaca'; template: PromptTemplate; source: string }
  | { kind: 'chat'; template: string; specialTokens: Record<string, string | string[]>; source: string };

export interface FormattedPrompt {
  /** The text given to the tokenizer. */
  text: string;
  ids: number[];
}

/** Special-token names transformers passes to a chat template (its `special_tokens_map`). */
const SPECIAL_TOKEN_KEYS = ['bos_token', 'eos_token', 'unk_token', 'sep_token', 'pad_token', 'cls_token', 'mask_token'] as const;

/** A special token is a string or an AddedToken object `{content: ...}`. */
function tokenText(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (v && typeof v === 'object' && typeof (v as { content?: unknown }).content === 'string') return (v as { content: string }).content;
  return undefined;
}

function specialTokens(config: Record<string, unknown>, map: Record<string, unknown>): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const key of SPECIAL_TOKEN_KEYS) {
    const text = tokenText(config[key]) ?? tokenText(map[key]);
    if (text !== undefined) out[key] = text;
  }
  const extra = config.additional_special_tokens ?? map.additional_special_tokens;
  if (Array.isArray(extra)) out.additional_special_tokens = extra.map(tokenText).filter((t): t is string => t !== undefined);
  return out;
}

/** The chat template of a model folder: chat_template.jinja (transformers ≥ 4.50 saves it there), else tokenizer_config.json's. */
function chatTemplate(dir: string, config: Record<string, unknown>): { template: string; source: string } | null {
  const file = join(dir, 'chat_template.jinja');
  if (existsSync(file)) return { template: readFileSync(file, 'utf8'), source: file };
  const source = join(dir, 'tokenizer_config.json');
  const t = config.chat_template;
  if (t === undefined || t === null) return null;
  if (typeof t === 'string') return { template: t, source };
  // Several named templates: transformers uses the one named "default".
  if (Array.isArray(t)) {
    const named = t.find((x) => x && typeof x === 'object' && (x as { name?: unknown }).name === 'default') as { template?: unknown } | undefined;
    if (typeof named?.template === 'string') return { template: named.template, source };
    throw new Error(`${source}: "chat_template" is a list without a template named "default"`);
  }
  throw new Error(`${source}: "chat_template" must be a string or a list of {name, template}, got ${JSON.stringify(t).slice(0, 60)}`);
}

/** Where `dft train` left the prepared data of a run (its sidecar records the prompt template). */
function sidecarPaths(config: Record<string, unknown>): string[] {
  const data = Array.isArray(config.data) && config.data.length === 1 ? config.data[0] : config.data;
  const paths: string[] = [];
  if (typeof data === 'string') paths.push(data.endsWith('.arrow') ? join(dirname(data), SIDECAR_NAME) : join(data, SIDECAR_NAME));
  // Raw sources are prepared into <out>/data first.
  if (typeof config.out === 'string') paths.push(join(config.out, 'data', SIDECAR_NAME));
  return paths;
}

/** The template a `dft train` checkpoint was trained with, or null for a folder `dft train` did not write. */
function trainedTemplate(dir: string): { template: PromptTemplate; source: string } | null {
  const statePath = join(dir, TRAINER_STATE_FILE);
  const state = readJsonObject(statePath);
  if (!state) return null;
  const config = state.config && typeof state.config === 'object' ? (state.config as Record<string, unknown>) : {};
  for (const path of sidecarPaths(config)) {
    const sidecar = existsSync(path) ? readJsonObject(path) : null;
    if (sidecar?.template) return { template: resolveTemplate(sidecar.template as PromptTemplate), source: path };
  }
  // The data has moved: dft train prepares raw sources with the Alpaca template.
  return { template: ALPACA_TEMPLATE, source: statePath };
}

/** Picks the prompt format of a model folder (see PromptFormat); `raw` forces none. */
export function promptFormat(dir: string, raw: boolean): PromptFormat {
  if (raw) return { kind: 'raw' };
  const trained = trainedTemplate(dir);
  if (trained) return { kind: 'alpaca', ...trained };
  const config = readJsonObject(join(dir, 'tokenizer_config.json')) ?? {};
  const chat = chatTemplate(dir, config);
  if (!chat) return { kind: 'raw' };
  return { kind: 'chat', ...chat, specialTokens: specialTokens(config, readJsonObject(join(dir, 'special_tokens_map.json')) ?? {}) };
}

/**
 * The text and token ids of one user prompt. Alpaca: BOS (when the tokenizer adds one) + the rendered prompt, exactly
 * the prompt ids of training. Chat: the template writes every special token itself, so the ids are encoded without
 * adding any (as `apply_chat_template(tokenize=True)` does). Raw: the tokenizer's usual special tokens. Encoded on
 * the tokenizer's engine (Rust where it loads), as `dft prepare` encodes the training prompts.
 */
export async function formatPrompt(format: PromptFormat, tokenizer: Tokenizer, prompt: string): Promise<FormattedPrompt> {
  const encode = async (text: string, addSpecialTokens: boolean) => (await tokenizer.encodeTexts([text], { addSpecialTokens }))[0]!;
  if (format.kind === 'raw') return { text: prompt, ids: await encode(prompt, true) };
  if (format.kind === 'alpaca') {
    const text = renderPrompt(format.template, prompt, '').text;
    const { bosId, addBos } = tokenizer.special;
    return { text, ids: [...(addBos && bosId !== null ? [bosId] : []), ...(await encode(text, false))] };
  }
  let text: string;
  try {
    text = new Template(format.template).render({
      messages: [{ role: 'user', content: prompt }],
      add_generation_prompt: true,
      ...format.specialTokens,
    });
  } catch (e) {
    throw new Error(`${format.source}: the chat template failed: ${(e as Error).message}`);
  }
  return { text, ids: await encode(text, false) };
}
