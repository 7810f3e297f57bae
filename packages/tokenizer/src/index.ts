export { ENGINE_ENV, type EngineChoice, type TokenizerEngine } from './engines.js';
export { Tokenizer, type EncodeOptions, type SpecialTokens, type TokenizerOptions } from './tokenizer.js';
