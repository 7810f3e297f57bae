import { PieceEncoder } from '@dft/tokenizer/internal';
import type { Tokenizer } from '@dft/tokenizer';
import type { ParallelExample } from '../read/records.js';
import type { PromptTemplate, RenderedPrompt } from './templates.js';
import { queryText, renderPrompt } from './templates.js';

/** Token ids: a plain array from the tokenizer, or an Int32Array unpacked from a worker thread's results. */
export type TokenIds = number[] | Int32Array;

/** Sequence kinds whose continuation can be cut by truncation. */
export type TruncatableKind = 'tft' | 'lc' | 'et' | 'sft';

/**
 * Token columns of one example (docs/design.md, "Batch layout"). Prompts carry BOS; responses end in EOS.
 *
 * Joint tokenisation: a sequence is `tok(prompt + text)`, and its first `len(tok(prompt))` tokens are the
 * prompt region (labels -100). Usually that region equals `tok(prompt)`, but tokens can merge across the seam
 * (`### Response:` + `-1` gives `…:-`, `1`), and then the last few prompt tokens differ. So each continuation is
 * stored as the tokens of `tok(prompt + text)` after the longest prefix it shares with `tok(prompt)`, with
 * `seam` = how many trailing tokens of `tok(prompt)` it replaces (0 without a merge). The sequence is
 * `promptIds[0 : len - seam] ⊕ continuation`, exactly `tok(prompt + text)`, and no character is lost.
 */
export interface Continuation {
  ids: TokenIds;
  /** Trailing tokens of the prompt replaced by the first `seam` ids here (still in the prompt region). */
  seam: number;
}

export interface TokenizedExample {
  /** tok(prompt(x_tgt)). */
  promptIds: TokenIds;
  /** y_tgt + EOS after the target prompt (TFT). */
  response: Continuation;
  /** tok(prompt(x_en)). */
  enPromptIds: TokenIds;
  /** q_en after the target prompt, no EOS (LC-logits). */
  enQuery: Continuation;
  /** y_en + EOS after the target prompt (ET-logits). */
  enResponse: Continuation;
  /** y_en + EOS after the English prompt (the English-only `sft` baseline). */
  enSftResponse: Continuation;
  /** Query span of the target prompt: [len(tok(text before the instruction)), len(tok(text through the input))). */
  queryStart: number;
  queryEnd: number;
  enQueryStart: number;
  enQueryEnd: number;
  /** Kinds whose continuation was cut to fit maxLength. */
  truncated: TruncatableKind[];
  /** Continuations with a non-zero seam (a merge across the prompt's end); counted so the rate is visible. */
  seamMerges: number;
}

export type TokenizeResult = { ok: true; value: TokenizedExample } | { ok: false; reason: 'prompt-too-long'; promptLength: number };

/**
 * Turns examples into token columns. Truncation rule (documented in the README): every sequence must fit
 * `maxLength`; its continuation is cut from the end (EOS first, then the response or query); prompts are never
 * cut, so an example whose target or English prompt leaves no room for a continuation token is dropped.
 *
 * Each sequence's ids are those of one encode of its whole text (the joint-tokenisation rule); the texts of a
 * batch go to a PieceEncoder, which tokenises each distinct line once (template lines, and a field shared by a
 * prompt and its continuations) where the tokenizer provably never merges across a newline, and whole texts
 * otherwise.
 */
export class ExampleTokenizer {
  private readonly eos: number;
  private readonly pieces: PieceEncoder;
  /** `tok()` of docs/design.md, "Batch layout", is the tokenizer with BOS (never EOS: prompts and continuations end where the text does). */
  private readonly bosPrefix: number[];

  constructor(
    tok: Tokenizer,
    private readonly template: PromptTemplate,
    private readonly maxLength: number,
  ) {
    if (!Number.isInteger(maxLength) || maxLength < 2) throw new Error(`prepare: maxLength must be an integer >= 2, got ${maxLength}`);
    if (tok.special.eosId === null) throw new Error('prepare: the tokenizer has no EOS token (responses end in EOS)');
    this.eos = tok.special.eosId;
    this.bosPrefix = tok.special.addBos && tok.special.bosId !== null ? [tok.special.bosId] : [];
    this.pieces = new PieceEncoder(tok);
  }

  async tokenizeBatch(examples: readonly ParallelExample[]): Promise<TokenizeResult[]> {
    const texts: string[] = [];
    const plans = examples.map((ex) => {
      const tgt = renderPrompt(this.template, ex.instruction, ex.input);
      const en = renderPrompt(this.template, ex.enInstruction, ex.enInput);
      const at = texts.length;
      texts.push(
        ...promptTexts(tgt),
        ...promptTexts(en),
        tgt.text + ex.output,
        tgt.text + queryText(ex.enInstruction, ex.enInput),
        tgt.text + ex.enOutput,
        en.text + ex.enOutput,
      );
      return at;
    });
    const ids = await this.pieces.encodeAll(texts);
    return plans.map((at) => this.assemble(ids.slice(at, at + 10)));
  }

  /** Builds one example from the ids of its ten texts, in the order tokenizeBatch lists them. */
  private assemble(ids: number[][]): TokenizeResult {
    const tgt = this.prompt(ids[0]!, ids[1]!, ids[2]!);
    const en = this.prompt(ids[3]!, ids[4]!, ids[5]!);
    const longest = Math.max(tgt.ids.length, en.ids.length);
    if (longest >= this.maxLength) return { ok: false, reason: 'prompt-too-long', promptLength: longest };

    let seamMerges = 0;
    const truncated: TruncatableKind[] = [];
    const cont = (p: Prompt, whole: number[], withEos: boolean, kind: TruncatableKind): Continuation => {
      const n = p.ids.length - p.bos;
      let k = 0;
      while (k < n && k < whole.length && whole[k] === p.ids[k + p.bos]) k++;
      const seam = n - k;
      if (seam > 0) seamMerges++;
      const ids = whole.slice(k);
      if (withEos) ids.push(this.eos);
      // Room after the kept prompt tokens; at least seam + 1 since the prompt is shorter than maxLength.
      const room = this.maxLength - (p.ids.length - seam);
      if (ids.length > room) {
        truncated.push(kind);
        ids.length = room;
      }
      return { ids, seam };
    };
    const value: TokenizedExample = {
      promptIds: tgt.ids,
      response: cont(tgt, ids[6]!, true, 'tft'),
      enPromptIds: en.ids,
      enQuery: cont(tgt, ids[7]!, false, 'lc'),
      enResponse: cont(tgt, ids[8]!, true, 'et'),
      enSftResponse: cont(en, ids[9]!, true, 'sft'),
      queryStart: tgt.spanStart,
      queryEnd: tgt.spanEnd,
      enQueryStart: en.spanStart,
      enQueryEnd: en.spanEnd,
      truncated,
      seamMerges,
    };
    return { ok: true, value };
  }

  /** The prompt from the ids of its text, of the text before its instruction and of the text through its input. */
  private prompt(text: number[], before: number[], throughQuery: number[]): Prompt {
    const bos = this.bosPrefix.length;
    const ids = [...this.bosPrefix, ...text];
    const spanStart = bos + before.length;
    // Tokens can merge across the span's edges; clamp so the span always lies inside the prompt.
    const spanEnd = Math.min(Math.max(bos + throughQuery.length, spanStart), ids.length);
    return { ids, bos, spanStart: Math.min(spanStart, spanEnd), spanEnd };
  }
}

/** The prompt, the text before its instruction, and the text through the end of its input. */
function promptTexts(r: RenderedPrompt): string[] {
  return [r.text, r.text.slice(0, r.queryStartChar), r.text.slice(0, r.queryEndChar)];
}

interface Prompt {
  /** tok(text), special tokens included. */
  ids: number[];
  /** How many special tokens tok() put in front (BOS: 0 or 1). */
  bos: number;
  spanStart: number;
  spanEnd: number;
}
