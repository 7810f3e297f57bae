/**
 * What the other dft packages import from @dft/data beyond its public API (index.ts): building blocks of the
 * CLI and the sibling packages, not a stable interface for users; it may change in any release.
 */
export { ExampleTokenizer } from './prepare/tokenize-example.js';
