import {
  ADAMW_UPDATE,
  GATED_ACTIVATION,
  GATED_ACTIVATION_GRAD,
  HEAD_NLL,
  HEAD_NLL_GRAD,
  RMS_NORM,
  RMS_NORM_GRAD,
  TOKEN_NLL,
  TOKEN_NLL_GRAD,
} from '@dft/ops';
import * as tf from '@tensorflow/tfjs-core';
// The Node bundle of the cpu backend: registers the `cpu` backend and its kernels, and exports its class.
import { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import { loadAddon, type NativeAddon } from './addon.js';
import { NATIVE, type KernelContext, type NativeKernel } from './kernels/context.js';
import { adamwKernel } from './fused/adamw.js';
import { gatedActGradKernel, gatedActKernel } from './fused/gated-act.js';
import { headNllGradKernel, headNllKernel } from './fused/head-nll.js';
import { rmsNormGradKernel, rmsNormKernel } from './fused/rms-norm.js';
import { tokenNllGradKernel, tokenNllKernel } from './fused/token-nll.js';
import { concatKernel, padKernel, sliceKernel, splitKernel } from './kernels/copy.js';
import { binaryKernel, unaryKernel } from './kernels/elementwise.js';
import { gatherKernel } from './kernels/gather.js';
import { batchMatMul, fusedMatMul } from './kernels/matmul.js';
import { reduceKernel } from './kernels/reduce.js';
import { softmaxKernel } from './kernels/softmax.js';
import { transposeKernel } from './kernels/transpose.js';

export const NATIVE_BACKEND = NATIVE;
/** Above wasm (2) and cpu (1), below tfjs-node (3): the order of docs/design.md, "Backends, ops and kernels", when tfjs picks by itself. */
export const NATIVE_PRIORITY = 2.5;

export interface NativeStatus {
  /** Whether the `native` backend is registered and usable. */
  available: boolean;
  /** Why not, when it is not (one line, suitable for a log). */
  reason?: string;
  /** The BLAS the addon was built against, e.g. "OpenBLAS 0.3.21 … (2 threads)". */
  blas?: string;
  /** Threads of the addon's own loops (sgemm uses the same count with OpenBLAS). */
  threads?: number;
  /** Kernels running native code (all other kernels are the cpu backend's). */
  kernels?: string[];
  /** Whether the allocator was tuned (see RegisterOptions.tuneMalloc). */
  mallocTuned?: boolean;
  /** The package and its BLAS in one line (what backend selection logs). */
  description?: string;
}

export interface RegisterOptions {
  /** Threads for sgemm and the addon's loops (default: `DFT_NATIVE_THREADS`, else the core count, at most 8). */
  threads?: number;
  /**
   * Let glibc serve blocks up to 1 GiB from its heap and keep freed memory (mallopt), so kernel outputs reuse
   * memory instead of faulting in fresh pages: ~2x on large elementwise kernels. Process-wide; default true,
   * `DFT_NATIVE_MALLOC=system` or `false` here leaves the allocator alone.
   */
  tuneMalloc?: boolean;
}

/** The cpu backend with its first-use "install tfjs-node" notice silenced: it does not apply here. */
class NativeBackend extends MathBackendCPU {
  constructor() {
    super();
    (this as unknown as { firstUse: boolean }).firstUse = false;
  }
}

const BINARY = [tf.Add, tf.Sub, tf.Multiply, tf.RealDiv, tf.Maximum, tf.Minimum, tf.SquaredDifference];
const UNARY = [tf.Exp, tf.Log, tf.Neg, tf.Sqrt, tf.Rsqrt, tf.Square, tf.Sigmoid, tf.Tanh, tf.Abs, tf.Relu, tf.Reciprocal];
const REDUCE = [tf.Sum, tf.Mean, tf.Max, tf.Min] as const;

/** The native kernels by tfjs kernel name. */
function nativeKernels(addon: NativeAddon): Map<string, NativeKernel> {
  const cpu = (name: string): NativeKernel => {
    const k = tf.getKernel(name, 'cpu');
    if (!k) throw new Error(`@dft/native: the cpu backend has no kernel ${name} to fall back to`);
    return k.kernelFunc as unknown as NativeKernel;
  };
  const ctx: KernelContext = { addon, cpu };
  const kernels = new Map<string, NativeKernel>();
  const registered = (name: string): NativeKernel => {
    const k = kernels.get(name) ?? (tf.getKernel(name, NATIVE)?.kernelFunc as unknown as NativeKernel | undefined);
    if (!k) throw new Error(`@dft/native: no ${name} kernel for the native backend`);
    return k;
  };
  kernels.set(tf.BatchMatMul, batchMatMul(ctx));
  kernels.set(tf._FusedMatMul, fusedMatMul(ctx, registered));
  for (const name of BINARY) kernels.set(name, binaryKernel(name, ctx));
  for (const name of UNARY) kernels.set(name, unaryKernel(name, ctx));
  for (const name of REDUCE) kernels.set(name, reduceKernel(name, ctx));
  kernels.set(tf.Softmax, softmaxKernel(ctx));
  kernels.set(tf.Transpose, transposeKernel(ctx));
  kernels.set(tf.GatherV2, gatherKernel(ctx));
  kernels.set(tf.Slice, sliceKernel(ctx));
  kernels.set(tf.SplitV, splitKernel(ctx));
  kernels.set(tf.Concat, concatKernel(ctx));
  kernels.set(tf.PadV2, padKernel(ctx));
  // The kernels of @dft/ops' fused ops (whose gradients @dft/ops registers by these names).
  kernels.set(TOKEN_NLL, tokenNllKernel(ctx));
  kernels.set(TOKEN_NLL_GRAD, tokenNllGradKernel(ctx));
  kernels.set(HEAD_NLL, headNllKernel(ctx));
  kernels.set(HEAD_NLL_GRAD, headNllGradKernel(ctx));
  kernels.set(ADAMW_UPDATE, adamwKernel(ctx));
  kernels.set(RMS_NORM, rmsNormKernel(ctx));
  kernels.set(RMS_NORM_GRAD, rmsNormGradKernel(ctx));
  kernels.set(GATED_ACTIVATION, gatedActKernel(ctx));
  kernels.set(GATED_ACTIVATION_GRAD, gatedActGradKernel(ctx));
  return kernels;
}

let status: NativeStatus | undefined;
let mallocTuned = false;

function threadsFrom(opts: RegisterOptions): number | undefined {
  const value = opts.threads ?? process.env.DFT_NATIVE_THREADS;
  if (value === undefined || value === '') return undefined;
  const n = Number(value);
  const source = opts.threads !== undefined ? 'registerNativeBackend: threads' : 'DFT_NATIVE_THREADS';
  if (!Number.isInteger(n) || n < 1 || n > 64) throw new Error(`${source}: "${value}" is not an integer in 1..64`);
  return n;
}

/**
 * Registers the tfjs backend `native`: a cpu backend instance (same tensor storage) whose kernels are the cpu
 * backend's, with the hot ones replaced by the addon's. Idempotent; never throws for a missing addon (the status
 * says why), only for bad options. Kernels registered for `native` before this call (e.g. a project's own
 * UnsortedSegmentSum) are kept unless they are ones the addon replaces.
 */
export function registerNativeBackend(opts: RegisterOptions = {}): NativeStatus {
  const threads = threadsFrom(opts);
  const load = loadAddon();
  if (!load.addon) return { available: false, reason: `@dft/native: ${load.reason}` };
  const addon = load.addon;
  if (threads !== undefined) addon.setThreads(threads);
  if ((opts.tuneMalloc ?? process.env.DFT_NATIVE_MALLOC !== 'system') && !mallocTuned) mallocTuned = addon.tuneMalloc(1 << 30);
  if (!status) {
    const kernels = nativeKernels(addon);
    for (const k of tf.getKernelsForBackend('cpu')) {
      if (!kernels.has(k.kernelName) && !tf.getKernel(k.kernelName, NATIVE)) tf.registerKernel({ ...k, backendName: NATIVE });
    }
    for (const [kernelName, kernelFunc] of kernels) {
      if (tf.getKernel(kernelName, NATIVE)) tf.unregisterKernel(kernelName, NATIVE);
      tf.registerKernel({ kernelName, backendName: NATIVE, kernelFunc: kernelFunc as unknown as tf.KernelFunc });
    }
    if (!tf.findBackendFactory(NATIVE)) tf.registerBackend(NATIVE, () => new NativeBackend(), NATIVE_PRIORITY);
    status = { available: true, kernels: [...kernels.keys()].sort() };
  }
  return { ...status, blas: addon.blasInfo(), threads: addon.threads(), mallocTuned, description: `@dft/native, ${addon.blasInfo()}` };
}

/** The addon's state without registering anything: whether it loads, and why not. */
export function nativeStatus(): NativeStatus {
  const load = loadAddon();
  if (!load.addon) return { available: false, reason: `@dft/native: ${load.reason}` };
  return { available: true, blas: load.addon.blasInfo(), threads: load.addon.threads(), kernels: status?.kernels, mallocTuned };
}

/*
 * The entry points of a backend package, which @dft/core's backend selection imports by name: registration with
 * the default options (threads and allocator from the environment), and the status without registering.
 */
export const registerBackend = (): NativeStatus => registerNativeBackend();
export const backendStatus = (): NativeStatus => nativeStatus();
