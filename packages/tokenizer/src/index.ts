export { ENGINE_ENV } from './engines.js';
export type { EngineChoice, TokenizerEngine } from './engines.js';
export { Tokenizer } from './tokenizer.js';
export type { EncodeOptions, SpecialTokens, TokenizerOptions } from './tokenizer.js';
