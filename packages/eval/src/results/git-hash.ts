import { execFileSync } from 'node:child_process';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

let cached: string | null | undefined;

/**
 * The short commit of the dft checkout this code runs from (the harness records its own the same way), or null
 * when it is not a git checkout (an npm install) or git is missing.
 */
export function gitHash(): string | null {
  if (cached !== undefined) return cached;
  try {
    const out = execFileSync('git', ['rev-parse', '--short', 'HEAD'], {
      cwd: dirname(fileURLToPath(import.meta.url)),
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    cached = /^[0-9a-f]{4,40}$/.test(out.trim()) ? out.trim() : null;
  } catch {
    cached = null;
  }
  return cached;
}
