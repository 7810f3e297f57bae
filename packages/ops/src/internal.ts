/**
 * What the other dft packages import from @dft/ops beyond its public API (index.ts): building blocks of the
 * CLI and the sibling packages, not a stable interface for users; it may change in any release.
 */
export type { CustomGradientFunc } from './kernels.js';
export { oneHotFloat } from './one-hot.js';
export { frozenMatMul, isFrozenVariable } from './frozen-matmul.js';
export { ADAMW_BLOCK_ELEMENTS } from './adamw-update.js';
