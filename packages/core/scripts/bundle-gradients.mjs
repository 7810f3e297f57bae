// Build step after tsc: dist/backend/gradients.js imports tfjs-core's gradient registration, whose per-file ESM
// build uses extensionless relative imports that plain Node cannot resolve. Bundle that registration into the file
// itself (tfjs-core resolves to the one installed package at run time: its engine and registries are global), so the
// published package needs @tensorflow/tfjs-core only, not the whole @tensorflow/tfjs union package.
import { rename, rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { build } from 'rolldown';

const file = fileURLToPath(new URL('../dist/backend/gradients.js', import.meta.url));
const tmp = `${file}.bundle.js`;
await build({
  input: file,
  platform: 'node',
  logLevel: 'warn',
  // Only tfjs-core's internal modules are inlined; any other bare import stays an import.
  external: (id) => !id.startsWith('.') && !id.startsWith('/') && !id.startsWith('@tensorflow/tfjs-core/dist/'),
  output: {
    file: tmp,
    format: 'esm',
    sourcemap: false,
    banner: '// Bundles the gradient registration of @tensorflow/tfjs-core (Apache License 2.0, Copyright Google LLC).',
  },
});
await rename(tmp, file);
// tsc's map described the file before bundling.
await rm(`${file}.map`, { force: true });
