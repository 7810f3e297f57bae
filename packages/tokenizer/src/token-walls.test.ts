import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { isTokenWall } from './token-walls.js';

const llama = JSON.parse(readFileSync(new URL('../../../fixtures/models/tiny-llama/tokenizer.json', import.meta.url), 'utf8')) as Record<string, any>;
const variant = (edit: (t: Record<string, any>) => void) => {
  const t = structuredClone(llama);
  edit(t);
  return t;
};

describe('isTokenWall', () => {
  it('the Llama-2 tokenizer never merges across a newline, but does across a space', () => {
    expect(isTokenWall(llama, '\n')).toBe(true);
    expect(isTokenWall(llama, ' ')).toBe(false);
  });

  it('refuses whatever could let a token span the character', () => {
    expect(isTokenWall(variant((t) => t.model.merges.push('\n \n')), '\n')).toBe(false);
    expect(isTokenWall(variant((t) => (t.model.vocab['\n\n'] = 32000)), '\n')).toBe(false);
    expect(isTokenWall(variant((t) => (t.pre_tokenizer = { type: 'ByteLevel' })), '\n')).toBe(false);
    expect(isTokenWall(variant((t) => t.normalizer.normalizers.push({ type: 'Strip', strip_left: true, strip_right: true })), '\n')).toBe(false);
    expect(isTokenWall(variant((t) => t.added_tokens.push({ content: '<|x|>\n' })), '\n')).toBe(false);
    expect(isTokenWall(variant((t) => (t.model.byte_fallback = false)), '\n')).toBe(false);
    expect(isTokenWall(variant((t) => (t.model.type = 'Unigram')), '\n')).toBe(false);
  });
});
