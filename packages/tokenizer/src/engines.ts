import { createRequire } from 'node:module';

/**
 * The part of the napi `Tokenizer` (package "tokenizers") this package calls. Declared here rather than imported
 * so that the published types do not need "tokenizers", an optional dependency (64 MB of prebuilt binaries).
 */
export interface RustTokenizer {
  getVocabSize(withAddedTokens?: boolean | null): number;
  encodeBatch(texts: string[], options?: { addSpecialTokens?: boolean } | null): Promise<{ getIds(): number[] }[]>;
  tokenToId(token: string): number | null;
  idToToken(id: number): string | null;
}

/** `rust`: Hugging Face's tokenizers library through napi (prebuilt binaries); `js`: @huggingface/tokenizers. */
export type TokenizerEngine = 'rust' | 'js';
export type EngineChoice = TokenizerEngine | 'auto';

/** Environment variable that picks the engine when the caller does not (`rust`, `js` or `auto`). */
export const ENGINE_ENV = 'DFT_TOKENIZER_ENGINE';

type RustModule = { Tokenizer: { fromString(json: string): RustTokenizer } };
let rustModule: RustModule | Error | undefined;

/** The napi module, or why it cannot be loaded here (no binary for this platform, not installed). */
function loadRustModule(): RustModule | Error {
  if (rustModule === undefined) {
    try {
      rustModule = createRequire(import.meta.url)('tokenizers') as RustModule;
    } catch (e) {
      rustModule = new Error(`the "tokenizers" package does not load here (${(e as Error).message.split('\n')[0]})`);
    }
  }
  return rustModule;
}

export function engineChoice(choice: EngineChoice | undefined): EngineChoice {
  const c = choice ?? process.env[ENGINE_ENV] ?? 'auto';
  if (c !== 'auto' && c !== 'rust' && c !== 'js')
    throw new Error(`tokenizer: unknown engine "${c}" (from ${choice ? 'the engine option' : ENGINE_ENV}; expected rust, js or auto)`);
  return c;
}

/**
 * The Rust tokenizer for this tokenizer.json, or null when `auto` falls back to JS. Asking for `rust`
 * explicitly where it cannot load is an error that says why.
 */
export function rustTokenizer(tokenizerJson: string, choice: EngineChoice): RustTokenizer | null {
  if (choice === 'js') return null;
  const mod = loadRustModule();
  let err: Error;
  if (mod instanceof Error) err = mod;
  else {
    try {
      return mod.Tokenizer.fromString(tokenizerJson);
    } catch (e) {
      err = new Error(`the Rust engine cannot read this tokenizer.json (${(e as Error).message})`);
    }
  }
  if (choice === 'rust') throw new Error(`tokenizer: engine rust was asked for, but ${err.message}`);
  return null;
}
