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
}

/**
 * Makes every prompt fit the context together with its new tokens: prompt + maxNewTokens ≤ limit. A prompt that
 * does not fit is refused (naming the limit), or with `truncate: 'left'` loses its oldest tokens, as HF tokenizers'
 * `truncation_side="left"` and lm-evaluation-harness do, with one warning line per cut prompt through `warn`.
 */
export function fitPrompts(prompts: number[][], o: FitOptions, warn: (line: string) => void): number[][] {
  const room = o.limit - o.maxNewTokens;
  if (room < 1) throw new UsageError(`--max-new-tokens ${o.maxNewTokens} leaves no room for a prompt in the ${o.limit} positions (max_position_embeddings) of ${o.model}`);
  return prompts.map((ids, i) => {
    if (ids.length <= room) return ids;
    const over = `prompt ${i + 1} has ${ids.length} tokens: with --max-new-tokens ${o.maxNewTokens} that is ${ids.length + o.maxNewTokens} positions, more than the ${o.limit} (max_position_embeddings) of ${o.model}`;
    if (o.truncate === 'none') throw new Error(`${over}; shorten it, lower --max-new-tokens, or pass --truncate left`);
    warn(`warning: ${over}: dropped its first ${ids.length - room} tokens (--truncate left)`);
    return ids.slice(ids.length - room);
  });
}
