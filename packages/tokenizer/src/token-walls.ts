type Json = Record<string, unknown>;

/** Normalizers that act on each character alone (or only at the very start), leaving the wall character be. */
function normalizerKeeps(n: unknown, ch: string): boolean {
  if (n === null || n === undefined) return true;
  const o = n as Json;
  switch (o.type) {
    case 'Sequence':
      return Array.isArray(o.normalizers) && o.normalizers.every((x) => normalizerKeeps(x, ch));
    case 'Prepend':
      return typeof o.prepend === 'string' && !o.prepend.includes(ch);
    case 'Replace': {
      const p = o.pattern as Json | undefined;
      return typeof p?.String === 'string' && !p.String.includes(ch) && typeof o.content === 'string' && !o.content.includes(ch);
    }
    case 'NFC':
    case 'NFD':
    case 'NFKC':
    case 'NFKD':
      return true;
    default:
      return false;
  }
}

/** Whether a merge rule (`"a b"` or `["a", "b"]`) has `ch` in one of its two parts. */
function mergeMentions(m: unknown, ch: string): boolean {
  // In the string form the parts are split on the one space, so they never contain a space themselves.
  if (typeof m === 'string') return ch !== ' ' && m.includes(ch);
  return Array.isArray(m) && m.some((part) => String(part).includes(ch));
}

/**
 * Characters across which this tokenizer can never merge tokens ("walls"): for any strings A and B,
 * `tok(A + ch + B) = tok(A + ch) ⊕ tok(ch + B)[len(tok(ch)):]`. That lets a long text be encoded piece by piece
 * (pieces between walls are cached and shared) with exactly the ids of one encode of the whole text.
 *
 * Proved from the file, not probed: a BPE model with no pre-tokenizer sees the whole normalized text as one
 * word, and a symbol that no merge rule mentions splits that word into two halves that merge independently.
 * So `ch` is a wall when no merge and no vocabulary entry but `ch` itself contains it, it reaches the model
 * unchanged (normalizers that act per character or prepend at the start only), no added token contains it,
 * and it cannot become an unknown token that fuses with its neighbours (it is in the vocabulary or bytes fall
 * back). The Llama-2 tokenizer qualifies for `\n`; byte-level BPE (GPT-2, Llama-3) and Gemma's do not.
 */
export function isTokenWall(tokenizer: Json, ch: string): boolean {
  const model = tokenizer.model as Json | undefined;
  if (!model || model.type !== 'BPE') return false;
  if (model.dropout !== null && model.dropout !== undefined) return false;
  if (model.continuing_subword_prefix || model.end_of_word_suffix) return false;
  if (tokenizer.pre_tokenizer !== null && tokenizer.pre_tokenizer !== undefined) return false;
  if (!normalizerKeeps(tokenizer.normalizer, ch)) return false;
  const added = Array.isArray(tokenizer.added_tokens) ? (tokenizer.added_tokens as Json[]) : [];
  if (added.some((t) => typeof t.content === 'string' && t.content.includes(ch))) return false;
  const vocab = (model.vocab ?? {}) as Record<string, number>;
  for (const token of Object.keys(vocab)) if (token !== ch && token.includes(ch)) return false;
  if (!(ch in vocab) && model.byte_fallback !== true) return false;
  const merges = Array.isArray(model.merges) ? model.merges : [];
  return !merges.some((m) => mergeMentions(m, ch));
}
