import { join } from 'node:path';
import { readJsonObject } from './read-json.js';

/** The decoding settings of a model's `generation_config.json` that `dft generate` honours, in our names. */
export interface GenerationDefaults {
  eosTokenIds?: number[];
  maxNewTokens?: number;
  /** Total length (prompt + new tokens): HF's `max_length`, used when `max_new_tokens` is absent. */
  maxLength?: number;
  doSample?: boolean;
  temperature?: number;
  topP?: number;
  topK?: number;
  repetitionPenalty?: number;
}

export const GENERATION_CONFIG_FILE = 'generation_config.json';

/**
 * Reads `<dir>/generation_config.json` as transformers' GenerationConfig does (missing file = no defaults). A key
 * of the wrong type is an error naming the file and key, never a silent default.
 */
export function readGenerationConfig(dir: string): GenerationDefaults {
  const path = join(dir, GENERATION_CONFIG_FILE);
  const raw = readJsonObject(path);
  if (!raw) return {};
  const bad = (key: string, want: string): never => {
    throw new Error(`${path}: "${key}" must be ${want}, got ${JSON.stringify(raw[key])}`);
  };
  const number = (key: string, ok: (n: number) => boolean, want: string): number | undefined => {
    const v = raw[key];
    if (v === undefined || v === null) return undefined;
    return typeof v === 'number' && ok(v) ? v : bad(key, want);
  };
  const count = (key: string) => number(key, (n) => Number.isInteger(n) && n >= 0, 'an integer ≥ 0');
  const eos = raw.eos_token_id;
  let eosTokenIds: number[] | undefined;
  if (typeof eos === 'number' && Number.isInteger(eos)) eosTokenIds = [eos];
  else if (Array.isArray(eos) && eos.every((x) => Number.isInteger(x))) eosTokenIds = eos as number[];
  else if (eos !== undefined && eos !== null) bad('eos_token_id', 'a token id or a list of token ids');
  const doSample = raw.do_sample;
  if (doSample !== undefined && typeof doSample !== 'boolean') bad('do_sample', 'true or false');
  return {
    eosTokenIds,
    maxNewTokens: count('max_new_tokens'),
    maxLength: count('max_length'),
    doSample: doSample as boolean | undefined,
    temperature: number('temperature', (n) => n >= 0, 'a number ≥ 0'),
    topP: number('top_p', (n) => n > 0 && n <= 1, 'a number in (0, 1]'),
    topK: count('top_k'),
    repetitionPenalty: number('repetition_penalty', (n) => n > 0, 'a number > 0'),
  };
}
