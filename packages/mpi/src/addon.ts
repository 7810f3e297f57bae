import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** What `MPI_Init_thread` and friends told the addon (csrc/addon.cc). */
export interface WorldInfo {
  rank: number;
  size: number;
  localRank: number;
  localSize: number;
  processorName: string;
  library: string;
  threadLevel: 'serialized' | 'multiple';
}

/** The compiled addon (csrc/addon.cc); arguments are validated and chunked by src/mpi.ts. */
export interface MpiAddon {
  init(): WorldInfo;
  collective(
    kind: number, a: ArrayBufferView | null, b: Float32Array | null, offset: number, count: number, stride: number, root: number, async: boolean,
  ): Promise<void> | undefined;
  finalize(): boolean;
  abort(code: number): void;
  kinds: { allreduceSum: number; broadcast: number; reduceScatterSum: number; allgather: number; barrier: number };
}

/** Package root: this file is `src/addon.ts` or `dist/addon.js`, one level below it. */
export const PACKAGE_ROOT = fileURLToPath(new URL('..', import.meta.url));
export const ADDON_PATH = join(PACKAGE_ROOT, 'build', 'Release', 'dft_mpi.node');

/** Why `<root>/build/Release/dft_mpi.node` is absent, from the install-time build's status file. */
function missingReason(root: string): string {
  const statusPath = join(root, 'build', 'status.json');
  if (!existsSync(statusPath)) {
    return 'the MPI addon was not built (run `pnpm --filter @dft/mpi build:addon`; it needs a C++ compiler and an MPI development package such as libopenmpi-dev)';
  }
  try {
    const status = JSON.parse(readFileSync(statusPath, 'utf8')) as { ok?: boolean; reason?: string };
    if (status.ok) return `${join(root, 'build', 'Release', 'dft_mpi.node')} is missing although its build reported success (reinstall @dft/mpi)`;
    return status.reason ?? `the MPI addon build failed (see ${statusPath})`;
  } catch (e) {
    return `the MPI addon was not built and ${statusPath} is unreadable: ${(e as Error).message}`;
  }
}

/** Loads the addon under `root` (default: this package), or says why it cannot. Never throws. */
export function loadAddon(root = PACKAGE_ROOT): { ok: true; addon: MpiAddon } | { ok: false; reason: string } {
  const path = join(root, 'build', 'Release', 'dft_mpi.node');
  if (!existsSync(path)) return { ok: false, reason: missingReason(root) };
  try {
    return { ok: true, addon: createRequire(import.meta.url)(path) as MpiAddon };
  } catch (e) {
    // Typically libmpi.so missing at run time (the MPI runtime package was removed after the build).
    return { ok: false, reason: `loading ${path} failed: ${(e as Error).message.split('\n')[0]}` };
  }
}
