import { UsageError } from '../command.js';

/** What `dft generate` does with a prompt that does not fit the context with its new tokens. */
export type TruncateSide = 'none' | 'left';

export interface FitOptions {
  /** The model's positions (max_position_embeddings). */
  limit: number;
  maxNewTokens: number;
  truncate: TruncateSide;
  /** Names the model in messages. */
  model: string;
  /** The tokenizer's BOS id: a prompt that starts with it keeps it when cut (it is not part of the text). */
  bosId?: number | null;
}

/**
 * Makes every prompt fit the context together with its new tokens: prompt + maxNewTokens ≤ limit. A prompt that
 * does not fit is refused (naming the limit), or with `truncate: 'left'` loses its oldest text tokens, with one
 * warning line per cut prompt through `warn`. A leading BOS stays, as with HF tokenizers' `truncation_side="left"`
 * (special tokens are added after truncation): the model never saw text start mid-sequence without it.
 */
export function fitPrompts(prompts: number[][], o: FitOptions, warn: (line: string) => void): number[][] {
  const room = o.limit - o.maxNewTokens;
  if (room < 1) throw new UsageError(`--max-new-tokens ${o.maxNewTokens} leaves no room for a prompt in the ${o.limit} positions (max_position_embeddings) of ${o.model}`);
  return prompts.map((ids, i) => {
    if (ids.length <= room) return ids;
    const over = `prompt ${i + 1} has ${ids.length} tokens: with --max-new-tokens ${o.maxNewTokens} that is ${ids.length + o.maxNewTokens} positions, more than the ${o.limit} (max_position_embeddings) of ${o.model}`;
    if (o.truncate === 'none') throw new Error(`${over}; shorten it, lower --max-new-tokens, or pass --truncate left`);
    const head = o.bosId != null && ids[0] === o.bosId ? [o.bosId] : [];
    const dropped = ids.length - room;
    warn(`warning: ${over}: dropped ${dropped} tokens after ${head.length ? 'the BOS token' : 'the start'} (--truncate left)`);
    return [...head, ...ids.slice(head.length + dropped)];
  });
}
