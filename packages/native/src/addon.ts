import { createRequire } from 'node:module';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The compiled addon's functions (csrc/*.cc). Every array is used in place: outputs are written, never copied. */
export interface NativeAddon {
  gemm(
    a: Float32Array, b: Float32Array, c: Float32Array, aOffsets: Int32Array, bOffsets: Int32Array,
    m: number, n: number, k: number, transA: boolean, transB: boolean, accumulate: boolean,
  ): void;
  binary(op: number, a: Float32Array, b: Float32Array, out: Float32Array, shape: Int32Array, aStrides: Int32Array, bStrides: Int32Array): void;
  unary(op: number, x: Float32Array, out: Float32Array): void;
  reduce(op: number, x: Float32Array, out: Float32Array, outer: number, mid: number, inner: number): void;
  softmax(x: Float32Array, out: Float32Array, rows: number, cols: number): void;
  transpose(x: Float32Array, out: Float32Array, shape: Int32Array, perm: Int32Array): void;
  copyBox(src: Float32Array, srcShape: Int32Array, srcBegin: Int32Array, dst: Float32Array, dstShape: Int32Array, dstBegin: Int32Array, size: Int32Array): void;
  gather(x: Float32Array, indices: Int32Array, out: Float32Array, outer: number, axisSize: number, inner: number): void;
  tokenNll(z: Float32Array, targets: Int32Array, nll: Float32Array, lse: Float32Array, rows: number, vocab: number): void;
  tokenNllGrad(
    z: Float32Array, targets: Int32Array, lse: Float32Array, dNll: Float32Array, dLse: Float32Array, dz: Float32Array,
    rows: number, vocab: number,
  ): void;
  headNll(
    x: Float32Array, weight: Float32Array, targets: Int32Array, nll: Float32Array,
    rows: number, hidden: number, vocab: number, transposed: boolean, softcap: number, chunkRows: number,
  ): void;
  headNllGrad(
    x: Float32Array, weight: Float32Array, targets: Int32Array, dy: Float32Array, dx: Float32Array, dWeight: Float32Array,
    rows: number, hidden: number, vocab: number, transposed: boolean, softcap: number, chunkRows: number,
  ): void;
  adamw(
    p: Float32Array, m: Float32Array, v: Float32Array, g: Float32Array, pOut: Float32Array, mOut: Float32Array, vOut: Float32Array,
    lr: number, beta1: number, beta2: number, eps: number, c1: number, c2: number, decay: number,
  ): void;
  rmsNorm(x: Float32Array, w: Float32Array, y: Float32Array, rstd: Float32Array, rows: number, dim: number, eps: number, offset: number): void;
  rmsNormGrad(
    x: Float32Array, w: Float32Array, rstd: Float32Array, dy: Float32Array, dx: Float32Array, dw: Float32Array,
    rows: number, dim: number, offset: number,
  ): void;
  gatedAct(activation: number, gate: Float32Array, up: Float32Array, out: Float32Array): void;
  gatedActGrad(activation: number, gate: Float32Array, up: Float32Array, dy: Float32Array, dGate: Float32Array, dUp: Float32Array): void;
  setThreads(n: number): void;
  tuneMalloc(bytes: number): boolean;
  threads(): number;
  blasInfo(): string;
  binaryOps: Record<string, number>;
  unaryOps: Record<string, number>;
  reduceOps: Record<string, number>;
}

export type AddonLoad = { addon: NativeAddon; reason: null } | { addon: null; reason: string };

/** Package root (this file is `src/addon.ts` or `dist/addon.js`, one level below it). */
const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const ADDON_PATH = addonPath(ROOT);

function addonPath(root: string): string {
  return join(root, 'build', 'Release', 'dft_native.node');
}

/** Why the addon is not there, from the install-time build's status file. */
function missingReason(root: string): string {
  const statusPath = join(root, 'build', 'status.json');
  if (!existsSync(statusPath)) {
    return 'the addon was not built (run `pnpm --filter @dft/native build:addon`; it needs a C++ toolchain and libopenblas-dev)';
  }
  try {
    const status = JSON.parse(readFileSync(statusPath, 'utf8')) as { ok?: boolean; reason?: string };
    if (status.ok) return `${addonPath(root)} is missing although its build reported success (reinstall @dft/native)`;
    return status.reason ?? `the addon build failed (see ${statusPath})`;
  } catch (e) {
    return `the addon was not built and ${statusPath} is unreadable: ${(e as Error).message}`;
  }
}

/** Loads `<root>/build/Release/dft_native.node`, or says why it cannot. Never throws. */
export function loadAddonFrom(root: string): AddonLoad {
  const path = addonPath(root);
  if (!existsSync(path)) return { addon: null, reason: missingReason(root) };
  try {
    return { addon: createRequire(import.meta.url)(path) as NativeAddon, reason: null };
  } catch (e) {
    return { addon: null, reason: `loading ${path} failed: ${(e as Error).message.split('\n')[0]}` };
  }
}

let cached: AddonLoad | undefined;

/**
 * This package's addon, loaded once. Without it (`DFT_NATIVE_DISABLE` set, build failed, a shared library missing
 * at run time) the result carries the reason instead.
 */
export function loadAddon(): AddonLoad {
  cached ??= process.env.DFT_NATIVE_DISABLE ? { addon: null, reason: 'disabled by DFT_NATIVE_DISABLE' } : loadAddonFrom(ROOT);
  return cached;
}
