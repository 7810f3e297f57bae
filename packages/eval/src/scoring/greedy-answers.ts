import { generate, type CausalLM } from '@dft/core';
import type { Tokenizer } from '@dft/tokenizer';

export interface GreedyOptions {
  /** Prompts decoded together (left-padded, one KV cache). Default 8. */
  batchSize?: number;
  /** Most new tokens per answer. Default 64. */
  maxGenTokens?: number;
  /** Model positions (default: the config's `max_position_embeddings`). */
  maxLength?: number;
  /** Called after each batch with the number of prompts answered so far and the total. */
  onBatch?: (done: number, total: number) => void;
}

export interface GreedyResult {
  /** Answers cut before the first "\n", outer whitespace trimmed. */
  texts: string[];
  /** New tokens generated (for throughput). */
  tokens: number;
  /** Prompts whose left end was dropped to leave room for `maxGenTokens`. */
  truncated: number;
}

/**
 * Greedy decoding until "\n", EOS or `maxGenTokens`, batched with core's KV-cached `generate`. Prompts longer
 * than `maxLength − maxGenTokens` lose tokens on the left (the harness's rule). Similar lengths share a batch.
 */
export async function greedyAnswers(model: CausalLM, tokenizer: Tokenizer, prompts: readonly string[], opts: GreedyOptions = {}): Promise<GreedyResult> {
  const batchSize = opts.batchSize ?? 8;
  const maxNew = opts.maxGenTokens ?? 64;
  const maxLength = opts.maxLength ?? model.config.maxPositionEmbeddings;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error(`eval: batchSize must be a positive integer, got ${batchSize}`);
  if (!Number.isInteger(maxNew) || maxNew < 1) throw new Error(`eval: maxGenTokens must be a positive integer, got ${maxNew}`);
  if (maxNew >= maxLength) throw new Error(`eval: maxGenTokens ${maxNew} leaves no room for a prompt in ${maxLength} positions`);
  const room = maxLength - maxNew;
  let truncated = 0;
  const ids = (await tokenizer.encodeTexts(prompts)).map((enc) => {
    if (enc.length <= room) return enc;
    truncated++;
    return enc.slice(enc.length - room);
  });
  const order = ids.map((_, i) => i).sort((a, b) => ids[b].length - ids[a].length);
  const texts: string[] = new Array(prompts.length);
  let tokens = 0;
  for (let s = 0; s < order.length; s += batchSize) {
    const idx = order.slice(s, s + batchSize);
    const res = generate(model, idx.map((i) => ids[i]), { maxNewTokens: maxNew, stop: ['\n'], tokenizer, temperature: 0 });
    idx.forEach((i, j) => {
      texts[i] = res.texts![j].trim();
      tokens += res.tokens[j].length;
    });
    opts.onBatch?.(Math.min(s + batchSize, order.length), order.length);
  }
  return { texts, tokens, truncated };
}
