export { Tokenizer } from './tokenizer.js';
export type { EncodeOptions, SpecialTokens, TokenizerInit, TokenizerOptions } from './tokenizer.js';
export { ENGINE_ENV } from './engines.js';
export type { EngineChoice, TokenizerEngine } from './engines.js';
export { PieceEncoder } from './piece-encoder.js';
