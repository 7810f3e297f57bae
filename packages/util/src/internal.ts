/**
 * What the other dft packages import from @dft/util beyond its public API (index.ts): building blocks of the
 * CLI and the sibling packages, not a stable interface for users; it may change in any release.
 */
export { tempPathFor, writeAll } from './atomic-write.js';
