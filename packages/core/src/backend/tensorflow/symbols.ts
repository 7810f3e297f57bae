import { execFileSync } from 'node:child_process';

/** The TensorFlow C API names (`TF_*`, `TFE_*`) a shared object defines or, with `undefined`, needs (`nm -D`). */
export function tensorflowSymbols(file: string, which: 'defined' | 'undefined'): Set<string> {
  let out: string;
  try {
    out = execFileSync('nm', ['-D', which === 'defined' ? '--defined-only' : '--undefined-only', file], { encoding: 'utf8', maxBuffer: 1 << 28, stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    const err = e as NodeJS.ErrnoException & { stderr?: string };
    if (err.code === 'ENOENT') throw new Error('`nm` was not found (binutils): it is needed to check the TensorFlow C library');
    throw new Error(`nm -D ${file} failed: ${String(err.stderr ?? err.message).trim()}`);
  }
  const names = new Set<string>();
  for (const line of out.split('\n')) {
    // "<address> T TF_Version@@tensorflow" or "                 U TFE_Execute"
    const name = line.trim().split(/\s+/).pop()?.replace(/@.*$/, '');
    if (name && /^TFE?_/.test(name)) names.add(name);
  }
  return names;
}

/** The C API functions `binding` calls that none of `libraries` exports, sorted. */
export function missingSymbols(binding: string, libraries: string[]): string[] {
  const exported = new Set(libraries.flatMap((lib) => [...tensorflowSymbols(lib, 'defined')]));
  return [...tensorflowSymbols(binding, 'undefined')].filter((name) => !exported.has(name)).sort();
}
