/**
 * What the other dft packages import from @dft/tokenizer beyond its public API (index.ts): building blocks of the
 * CLI and the sibling packages, not a stable interface for users; it may change in any release.
 */
export { PieceEncoder } from './piece-encoder.js';
export type { TokenizerInit } from './tokenizer.js';
