import { describe, expect, it } from 'vitest';
import { defaultChunkTokens, LOGITS_CHUNK_ELEMENTS } from './chunk-size.js';

describe('defaultChunkTokens', () => {
  it('keeps one chunk of logits within LOGITS_CHUNK_ELEMENTS, the largest such chunk, at least one token', () => {
    expect(defaultChunkTokens(32000)).toBe(524);
    expect(defaultChunkTokens(256000)).toBe(65);
    for (const vocab of [11, 32000, 151936, 256000]) {
      const chunk = defaultChunkTokens(vocab);
      expect(chunk * vocab).toBeLessThanOrEqual(LOGITS_CHUNK_ELEMENTS);
      expect((chunk + 1) * vocab).toBeGreaterThan(LOGITS_CHUNK_ELEMENTS);
    }
    expect(defaultChunkTokens(LOGITS_CHUNK_ELEMENTS * 2)).toBe(1);
  });
});
