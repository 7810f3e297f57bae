import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Tokenizer as HfTokenizer } from '@huggingface/tokenizers';
import type { EngineChoice, RustTokenizer, TokenizerEngine } from './engines.js';
import { engineChoice, rustTokenizer } from './engines.js';
import { isTokenWall } from './token-walls.js';

/** Special-token settings resolved from `tokenizer_config.json` / `special_tokens_map.json`. */
export interface SpecialTokens {
  bosId: number | null;
  eosId: number | null;
  padId: number | null;
  addBos: boolean;
  addEos: boolean;
}

export interface EncodeOptions {
  /** Add BOS/EOS as `tokenizer_config.json` says (HF `add_special_tokens`). Default true. */
  addSpecialTokens?: boolean;
}

type Json = Record<string, unknown>;

export interface TokenizerOptions {
  /** `auto` (default, or $DFT_TOKENIZER_ENGINE): Rust where it loads, else JS. Both give the same ids. */
  engine?: EngineChoice;
  /** The wall characters of this tokenizer.json when already known (from a TokenizerInit): the file is not parsed again. */
  walls?: readonly string[];
}

/** Everything a tokenizer is built from: enough to build the same one again in a worker thread. */
export interface TokenizerInit {
  tokenizerJson: string;
  config: Json;
  specialMap: Json;
  engine: TokenizerEngine;
  walls: readonly string[];
}

/** Characters checked for the wall property (see token-walls.ts); prompt templates are built on newlines. */
const WALL_CANDIDATES = ['\n'];

function readJson(path: string): Json {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new Error(`tokenizer: cannot read ${path}: ${(e as Error).message}`);
  }
  try {
    return JSON.parse(text) as Json;
  } catch (e) {
    throw new Error(`tokenizer: ${path} is not valid JSON: ${(e as Error).message}`);
  }
}

/** A special token in tokenizer_config may be a string or an AddedToken object `{content: ...}`. */
function tokenContent(v: unknown): string | null {
  if (typeof v === 'string') return v;
  if (v && typeof v === 'object' && typeof (v as Json).content === 'string') return (v as Json).content as string;
  return null;
}

/**
 * A Hugging Face `tokenizer.json` tokenizer with the BOS/EOS/pad conventions of `tokenizer_config.json`.
 * BOS/EOS are added here (not by the file's post-processor) so `add_bos_token`/`add_eos_token` are honoured
 * exactly as `LlamaTokenizerFast` does.
 */
export class Tokenizer {
  readonly special: SpecialTokens;
  /** sha256 of the tokenizer.json text: identifies the vocabulary in data sidecars. */
  readonly hash: string;
  readonly vocabSize: number;
  /** The engine behind the async methods (`encodeTexts`, `encodePairs`, `encodeBatch`): Rust where it loads, else JS (the synchronous ones always use JS). */
  readonly engine: TokenizerEngine;
  /** Characters no token ever spans (see isTokenWall): texts may be encoded piece by piece between them. */
  readonly walls: readonly string[];
  readonly init: TokenizerInit;
  private readonly rust: RustTokenizer | null;
  private jsTokenizer: HfTokenizer | undefined;

  constructor(tokenizerJson: string, config: Json = {}, specialMap: Json = {}, opts: TokenizerOptions = {}) {
    // Parsing the file in JS is only needed to find its walls (the Rust engine reads the text itself).
    let parsed: Json | null = null;
    if (!opts.walls)
      try {
        parsed = JSON.parse(tokenizerJson) as Json;
      } catch (e) {
        throw new Error(`tokenizer: tokenizer.json is not valid JSON: ${(e as Error).message}`);
      }
    this.rust = rustTokenizer(tokenizerJson, engineChoice(opts.engine));
    this.engine = this.rust ? 'rust' : 'js';
    this.walls = opts.walls ?? WALL_CANDIDATES.filter((ch) => isTokenWall(parsed!, ch));
    this.init = { tokenizerJson, config, specialMap, engine: this.engine, walls: this.walls };
    this.hash = createHash('sha256').update(tokenizerJson).digest('hex');
    this.vocabSize = this.rust ? this.rust.getVocabSize(true) : this.hf.get_vocab(true).size;
    const idOf = (key: string): number | null => {
      const content = tokenContent(config[key]) ?? tokenContent(specialMap[key]);
      if (content === null) return null;
      const id = this.tokenToId(content);
      if (id === undefined) throw new Error(`tokenizer: ${key} "${content}" is not in the vocabulary`);
      return id;
    };
    const bosId = idOf('bos_token');
    const eosId = idOf('eos_token');
    // The file's own post-processor tells whether BOS is added when the config does not say.
    const addBos =
      typeof config.add_bos_token === 'boolean' ? config.add_bos_token : bosId !== null && this.hf.encode('', { add_special_tokens: true }).ids[0] === bosId;
    this.special = { bosId, eosId, padId: idOf('pad_token'), addBos, addEos: config.add_eos_token === true };
  }

  /** Builds the tokenizer `init` describes, on the same engine (for worker threads). */
  static fromInit(init: TokenizerInit): Tokenizer {
    return new Tokenizer(init.tokenizerJson, init.config, init.specialMap, { engine: init.engine, walls: init.walls });
  }

  /**
   * The pure-JS tokenizer, built on first use (the Rust engine has no synchronous encode). It parses the JSON
   * again rather than keeping the parsed file alive, which would cost every tokenising thread tens of MiB.
   */
  private get hf(): HfTokenizer {
    this.jsTokenizer ??= new HfTokenizer(JSON.parse(this.init.tokenizerJson) as Json, this.init.config);
    return this.jsTokenizer;
  }

  /** Loads `tokenizer.json` (+ `tokenizer_config.json`, `special_tokens_map.json` when present) from a model dir. */
  static fromDir(dir: string, opts: TokenizerOptions = {}): Tokenizer {
    const file = join(dir, 'tokenizer.json');
    if (!existsSync(file)) throw new Error(`tokenizer: ${file} not found (the model directory has no tokenizer.json)`);
    const cfgPath = join(dir, 'tokenizer_config.json');
    const mapPath = join(dir, 'special_tokens_map.json');
    const text = readFileSync(file, 'utf8');
    const config = existsSync(cfgPath) ? readJson(cfgPath) : {};
    const specialMap = existsSync(mapPath) ? readJson(mapPath) : {};
    try {
      return new Tokenizer(text, config, specialMap, opts);
    } catch (e) {
      // The constructor sees text, not a file: name the file a user has to fix.
      throw new Error(`${file}: ${(e as Error).message.replace(/^tokenizer: /, '')}`, { cause: e });
    }
  }

  /** Ids of `text` on the JS engine, synchronously (use `encodeTexts` where the caller can await the faster engine). */
  encode(text: string, opts: EncodeOptions = {}): number[] {
    const ids = Array.from(this.hf.encode(text, { add_special_tokens: false }).ids, Number);
    return opts.addSpecialTokens === false ? ids : this.withSpecialTokens(ids);
  }

  /**
   * Ids of many texts without special tokens, in one call into the engine (the Rust engine spreads the batch
   * over the cores). Exactly the ids `encode(text, { addSpecialTokens: false })` gives.
   */
  async encodeBatch(texts: readonly string[]): Promise<number[][]> {
    if (texts.length === 0) return [];
    if (!this.rust) return texts.map((t) => this.encode(t, { addSpecialTokens: false }));
    const encodings = await this.rust.encodeBatch(texts as string[], { addSpecialTokens: false });
    return encodings.map((e) => e.getIds());
  }

  /** `encode` of each text, on this tokenizer's engine (Rust where it loads): the same ids, one call for all. */
  async encodeTexts(texts: readonly string[], opts: EncodeOptions = {}): Promise<number[][]> {
    const ids = await this.encodeBatch(texts);
    return opts.addSpecialTokens === false ? ids : ids.map((x) => this.withSpecialTokens(x));
  }

  /**
   * Joint tokenisation (stanford_alpaca, lm-evaluation-harness): the continuation's ids are those of
   * `tok(prefix + continuation)` after the first `len(tok(prefix))` ids, so merges across the seam are
   * those the model sees at inference time.
   */
  encodePair(prefix: string, continuation: string): { prefix: number[]; continuation: number[] } {
    const prefixIds = this.encode(prefix, { addSpecialTokens: false });
    return this.joinPair(prefixIds, this.encode(prefix + continuation, { addSpecialTokens: false }));
  }

  /** `encodePair` of each [prefix, continuation], on this tokenizer's engine, in one call. */
  async encodePairs(pairs: readonly (readonly [string, string])[]): Promise<{ prefix: number[]; continuation: number[] }[]> {
    const ids = await this.encodeBatch(pairs.flatMap(([prefix, continuation]) => [prefix, prefix + continuation]));
    return pairs.map((_, i) => this.joinPair(ids[2 * i]!, ids[2 * i + 1]!));
  }

  private withSpecialTokens(ids: number[]): number[] {
    const { bosId, eosId, addBos, addEos } = this.special;
    if (addBos && bosId !== null) ids.unshift(bosId);
    if (addEos && eosId !== null) ids.push(eosId);
    return ids;
  }

  private joinPair(prefixIds: number[], whole: number[]): { prefix: number[]; continuation: number[] } {
    const bos = this.special.addBos && this.special.bosId !== null ? [this.special.bosId] : [];
    return { prefix: [...bos, ...whole.slice(0, prefixIds.length)], continuation: whole.slice(prefixIds.length) };
  }

  decode(ids: ArrayLike<number>, opts: { skipSpecialTokens?: boolean } = {}): string {
    return this.hf.decode(Array.from(ids), { skip_special_tokens: opts.skipSpecialTokens ?? true });
  }

  tokenToId(token: string): number | undefined {
    return (this.rust ? this.rust.tokenToId(token) : this.hf.token_to_id(token)) ?? undefined;
  }

  idToToken(id: number): string | undefined {
    return (this.rust ? this.rust.idToToken(id) : this.hf.id_to_token(id)) ?? undefined;
  }
}
