import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import './gradients.js';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { backendPackage } from './backend-packages.js';
import { registerBatchMatMulGrad } from './batch-mat-mul-grad.js';
import { registerUnsortedSegmentSum } from './unsorted-segment-sum.js';
import { registerWasmSlice } from './wasm-slice.js';
import { findTfjsNode } from './tensorflow/location.js';
import { startTensorflow, TENSORFLOW_HINT } from './tensorflow/start.js';

export type BackendName = 'tensorflow' | 'native' | 'wasm' | 'cpu';
export const BACKEND_ORDER: readonly BackendName[] = ['tensorflow', 'native', 'wasm', 'cpu'];

export interface SelectBackendOptions {
  /** Backend to use; overrides `DFT_BACKEND`. Without either, the first available of `BACKEND_ORDER`. */
  prefer?: BackendName;
  /** Where the choice is reported (default: one line on stderr). Pass `null` to stay silent. */
  log?: ((line: string) => void) | null;
}

const require = createRequire(import.meta.url);
let fixesRegistered = false;

/**
 * The tfjs defaults replaced (docs/design.md, "Backends, ops and kernels"): linear UnsortedSegmentSum on cpu/wasm,
 * a transpose-free BatchMatMul gradient, and a wasm Slice that copies only the slice.
 */
function registerFixes(): void {
  if (fixesRegistered) return;
  fixesRegistered = true;
  registerUnsortedSegmentSum('cpu');
  registerUnsortedSegmentSum('native');
  registerUnsortedSegmentSum('wasm');
  registerBatchMatMulGrad();
  registerWasmSlice();
}

function wasmDir(): string {
  return join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist') + '/';
}

function parseName(value: string, source: string): BackendName {
  if ((BACKEND_ORDER as readonly string[]).includes(value)) return value as BackendName;
  throw new Error(`${source}: unknown backend "${value}" (expected one of ${BACKEND_ORDER.join(', ')})`);
}

/**
 * The backends that can start here, in `BACKEND_ORDER`: tensorflow when a tfjs-node is found (built by
 * `pnpm setup:tensorflow` or installed as a package), native when its addon is built, wasm and cpu always.
 */
export function availableBackends(): BackendName[] {
  return BACKEND_ORDER.filter((b) => (b === 'tensorflow' ? findTfjsNode() !== null : b === 'native' ? backendPackage('native')?.backendStatus().available === true : true));
}

let nativeUnavailableLogged = false;

async function tryBackend(name: BackendName, wanted: boolean, log: ((l: string) => void) | null): Promise<string | null> {
  if (name === 'native') {
    // The BLAS addon of @dft/native; when it did not build, say why once and go on to wasm.
    const pkg = backendPackage('native');
    const s = pkg ? pkg.registerBackend() : { available: false, reason: '@dft/native is not installed' };
    if (!s.available) {
      if (wanted) throw new Error(`backend "native" is not available: ${s.reason}`);
      if (!nativeUnavailableLogged) log?.(`dft: native backend unavailable (${s.reason}); trying wasm`);
      nativeUnavailableLogged = true;
      return null;
    }
    return (await tf.setBackend('native')) ? (s.description ?? '@dft/native') : null;
  }
  if (name === 'tensorflow') return startTensorflow(wanted);
  if (name === 'wasm') {
    // The .wasm binaries are read from the installed package (they are fetched lazily by setBackend).
    setWasmPaths(wasmDir());
  }
  return (await tf.setBackend(name)) ? `@tensorflow/tfjs-backend-${name}` : null;
}

/**
 * Picks the compute backend: `prefer`, else `DFT_BACKEND`, else the first of tensorflow → native → wasm → cpu that
 * initialises (tensorflow only in its GPU build: the CPU build is opt-in, as a CPU host's default stays the
 * native backend that the whole suite runs on). A named backend that cannot start is an error rather than a silent fallback.
 */
export async function selectBackend(opts: SelectBackendOptions = {}): Promise<BackendName> {
  registerFixes();
  const env = process.env.DFT_BACKEND;
  const wanted = opts.prefer ?? (env ? parseName(env, 'DFT_BACKEND') : undefined);
  const candidates = wanted ? [wanted] : BACKEND_ORDER;
  const log = opts.log === undefined ? (l: string) => process.stderr.write(l + '\n') : opts.log;
  for (const name of candidates) {
    const source = await tryBackend(name, Boolean(wanted), log).catch((e: Error) => {
      if (wanted) throw new Error(`backend "${name}" failed to start: ${e.message}`);
      return null;
    });
    if (source) {
      await tf.ready();
      log?.(`dft: backend ${name} (${source})`);
      return name;
    }
    if (wanted) {
      const hint = name === 'tensorflow' ? ` (${TENSORFLOW_HINT})` : '';
      throw new Error(`backend "${name}" is not available${hint}`);
    }
  }
  throw new Error('no tfjs backend could be initialised');
}
