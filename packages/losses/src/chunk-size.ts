/**
 * Logits of one chunk are at most this many float32 values (64 MiB) when the chunk size is left to the loss: a
 * 32,000-token vocabulary gets chunks of 524 tokens, Gemma's 256,000 chunks of 65.
 */
export const LOGITS_CHUNK_ELEMENTS = 2 ** 24;

/** Tokens per chunk for a vocabulary, keeping one chunk's logits within `LOGITS_CHUNK_ELEMENTS`. */
export function defaultChunkTokens(vocab: number): number {
  return Math.max(1, Math.floor(LOGITS_CHUNK_ELEMENTS / vocab));
}
