import type { Tokenizer } from '@dft/tokenizer';
import type { McExample } from '../tasks/types.js';

/** Token ids of one multiple-choice example: the shared context and each choice's continuation. */
export interface McRequest {
  context: number[];
  continuations: number[][];
}

/**
 * lm-evaluation-harness tokenisation: trailing whitespace of the context moves to the continuation; the
 * context is tokenised on its own (with BOS when the tokenizer adds one), each continuation is the tail of
 * `tok(context + continuation)` after `len(tok(context))` ids; an empty context is BOS (else EOS) alone. Encoded on
 * the tokenizer's engine (Rust where it loads), the ids of its synchronous `encode`.
 */
export async function tokenizeMc(tok: Tokenizer, ex: McExample): Promise<McRequest> {
  let context = ex.context;
  let moved = '';
  const trimmed = context.replace(/\s+$/u, '');
  if (trimmed.length < context.length) {
    moved = context.slice(trimmed.length);
    context = trimmed;
  }
  const conts = ex.choices.map((choice) => moved + ex.delimiter + choice);
  const tails =
    context === '' ? await tok.encodeTexts(conts, { addSpecialTokens: false }) : (await tok.encodePairs(conts.map((c) => [context, c] as const))).map((p) => p.continuation);
  const continuations = tails.map((ids, k) => {
    if (ids.length === 0) throw new Error(`eval: example "${ex.id}": choice ${k} (${JSON.stringify(ex.choices[k])}) tokenises to nothing`);
    return ids;
  });
  let ctx: number[];
  if (context === '') {
    const start = tok.special.bosId ?? tok.special.eosId;
    if (start === null) throw new Error('eval: the tokenizer has neither BOS nor EOS to start an empty context');
    ctx = [start];
  } else {
    [ctx] = (await tok.encodeTexts([context])) as [number[]];
  }
  return { context: ctx, continuations };
}
