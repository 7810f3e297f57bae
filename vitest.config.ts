import { defineConfig } from 'vitest/config';
import { fileURLToPath } from 'node:url';

// Tests import sibling packages from their sources, so `vitest` works without a prior build.
const pkg = (name: string) => fileURLToPath(new URL(`./packages/${name}/src/index.ts`, import.meta.url));

export default defineConfig({
  resolve: {
    alias: [
      // Subpath entries before the package names (a name also matches as a prefix of its subpaths).
      { find: /^@dft\/([\w-]+)\/internal$/, replacement: fileURLToPath(new URL('./packages/$1/src/internal.ts', import.meta.url)) },
      { find: '@dft/mpi/test-utils', replacement: fileURLToPath(new URL('./packages/mpi/src/test-utils/index.ts', import.meta.url)) },
      ...['util', 'tokenizer', 'ops', 'core', 'losses', 'data', 'eval', 'cli', 'native', 'mpi'].map((n) => ({ find: `@dft/${n}`, replacement: pkg(n) })),
    ],
  },
  test: {
    include: ['packages/*/src/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
  },
});
