import * as tf from '@tensorflow/tfjs-core';
import type { Tokenizer } from '@dft/tokenizer';
import { KVCache } from './kv-cache.js';
import type { CausalLM } from './model.js';
import { applyRepetitionPenalty, sampleToken, seededRandom } from './sampling.js';

export interface GenerateOptions {
  maxNewTokens?: number;
  /** 0 (default) = greedy decoding. */
  temperature?: number;
  topP?: number;
  topK?: number;
  /** > 1 discourages tokens already in the prompt or the continuation (transformers' `repetition_penalty`; default 1). */
  repetitionPenalty?: number;
  seed?: number;
  /** Stop when the decoded continuation contains one of these strings (needs `tokenizer`); the text is cut before it. */
  stop?: string[];
  /** Token ids that end a sequence (default: the config's EOS ids). */
  eosTokenIds?: number[];
  /** Decode incrementally with a KV cache (default) or re-run the whole sequence each step. */
  useCache?: boolean;
  tokenizer?: Tokenizer;
  /** Id used for left padding (default: pad, else the first EOS, else 0). */
  padTokenId?: number;
}

export type FinishReason = 'eos' | 'stop' | 'length';

export interface GenerateResult {
  /** New token ids per prompt (EOS excluded). */
  tokens: number[][];
  /** Decoded continuations, cut at a stop string (only with a tokenizer). */
  texts?: string[];
  finishReasons: FinishReason[];
}

/** Left-pads prompts to one `[batch, width]` block with its attention mask. */
function leftPad(prompts: number[][], pad: number) {
  const width = Math.max(...prompts.map((p) => p.length));
  const ids = new Int32Array(prompts.length * width).fill(pad);
  const mask = new Int32Array(prompts.length * width);
  prompts.forEach((p, b) => {
    ids.set(p, b * width + width - p.length);
    mask.fill(1, b * width + width - p.length, (b + 1) * width);
  });
  return { ids, mask, width };
}

/**
 * Batched decoding (greedy or temperature / top-p / top-k sampling) of token-id prompts. Prompts are left-padded;
 * with the cache each step feeds one token per row, without it the whole sequence is recomputed (same tokens).
 */
export function generate(model: CausalLM, prompts: number[][], opts: GenerateOptions = {}): GenerateResult {
  if (prompts.length === 0) return { tokens: [], finishReasons: [], ...(opts.tokenizer ? { texts: [] } : {}) };
  if (prompts.some((p) => p.length === 0)) throw new Error('generate: every prompt needs at least one token');
  if (opts.stop?.length && !opts.tokenizer) throw new Error('generate: stop strings need a tokenizer');
  const cfg = model.config;
  const eos = new Set(opts.eosTokenIds ?? cfg.eosTokenIds);
  const pad = opts.padTokenId ?? cfg.padTokenId ?? cfg.eosTokenIds[0] ?? 0;
  const maxNew = opts.maxNewTokens ?? 64;
  const sampling = { temperature: opts.temperature ?? 0, topP: opts.topP ?? 1, topK: opts.topK ?? 0 };
  const random = seededRandom(opts.seed ?? 0);
  const B = prompts.length;
  const { ids, mask, width } = leftPad(prompts, pad);
  const out: number[][] = prompts.map(() => []);
  const reasons: (FinishReason | null)[] = prompts.map(() => null);
  const texts: string[] = prompts.map(() => '');
  const cache = opts.useCache === false ? null : new KVCache(cfg.numLayers);
  let seq = Array.from({ length: B }, (_, b) => Array.from(ids.subarray(b * width, (b + 1) * width)));
  let seqMask = Array.from({ length: B }, (_, b) => Array.from(mask.subarray(b * width, (b + 1) * width)));
  try {
    for (let step = 0; step < maxNew && reasons.some((r) => r === null); step++) {
      // With a cache, the first step feeds the prompts and later steps only the newest token.
      const feed = cache && step > 0 ? seq.map((s) => s.slice(-1)) : seq;
      const feedMask = cache && step > 0 ? seqMask.map((m) => m.slice(-1)) : seqMask;
      const rows = tf.tidy(() => {
        const T = feed[0].length;
        const idT = tf.tensor2d(feed.flat(), [B, T], 'int32');
        const maskT = tf.tensor2d(feedMask.flat(), [B, T], 'int32');
        const { logits } = model.forward(idT, { attentionMask: maskT, cache: cache ?? undefined, logitsOf: 'last' });
        return logits!;
      });
      const data = rows.dataSync() as Float32Array;
      rows.dispose();
      const V = cfg.vocabSize;
      for (let b = 0; b < B; b++) {
        if (reasons[b] !== null) continue;
        const row = data.subarray(b * V, (b + 1) * V);
        // On the prompt's real tokens and the new ones (left padding is not part of the sequence).
        if (opts.repetitionPenalty !== undefined) applyRepetitionPenalty(row, [...prompts[b], ...out[b]], opts.repetitionPenalty);
        const tok = sampleToken(row, sampling, random);
        if (eos.has(tok)) {
          reasons[b] = 'eos';
          continue;
        }
        out[b].push(tok);
        if (opts.tokenizer) {
          texts[b] = opts.tokenizer.decode(out[b]);
          const at = firstStop(texts[b], opts.stop ?? []);
          if (at >= 0) {
            texts[b] = texts[b].slice(0, at);
            reasons[b] = 'stop';
          }
        }
      }
      // Finished rows keep decoding a pad token (masked in) so the batch stays rectangular.
      seq = seq.map((s, b) => [...s, out[b].length && reasons[b] === null ? out[b][out[b].length - 1] : pad]);
      seqMask = seqMask.map((m) => [...m, 1]);
    }
  } finally {
    cache?.dispose();
  }
  const finishReasons = reasons.map((r) => r ?? 'length');
  return opts.tokenizer ? { tokens: out, texts, finishReasons } : { tokens: out, finishReasons };
}

function firstStop(text: string, stops: string[]): number {
  let at = -1;
  for (const s of stops) {
    const i = text.indexOf(s);
    if (i >= 0 && (at < 0 || i < at)) at = i;
  }
  return at;
}
