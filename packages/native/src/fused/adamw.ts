import { adamwCorrections, type AdamWAttrs } from '@dft/ops';
import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { allocFloats, floats, output, type KernelArgs, type KernelContext, type NativeKernel } from '../kernels/context.js';

/** The storage of `t` when it alone uses it (so writing it in place is invisible to other tensors). */
function ownStorage(backend: MathBackendCPU, t: tf.TensorInfo): Float32Array | null {
  const v = floats(backend, t);
  return v && backend.refCount(t.dataId) === 1 ? v : null;
}

/**
 * @dft/ops' `DftAdamW`: one AdamW step for one parameter in a single pass over p, m, v and g. Like PyTorch's
 * optimisers it writes the storage of param, m and v in place when each is its tensor's alone (no new arrays, no
 * garbage for V8 to collect) and returns that storage, its reference count raised as a reshape does; otherwise
 * fresh arrays.
 */
export function adamwKernel({ addon }: KernelContext): NativeKernel {
  return (args: KernelArgs) => {
    const { param, m, v, grad } = args.inputs as Record<string, tf.TensorInfo>;
    const a = args.attrs as unknown as AdamWAttrs;
    const [c1, c2] = adamwCorrections(param, { m, v, grad }, a);
    const b = args.backend;
    const states = [param, m, v];
    const own = states.map((t) => ownStorage(b, t));
    const inPlace = own.every((x) => x) && new Set(states.map((t) => t.dataId)).size === 3;
    const n = tf.util.sizeFromShape(param.shape);
    const outs = inPlace ? (own as Float32Array[]) : [allocFloats(n), allocFloats(n), allocFloats(n)];
    const [p, mv, vv, g] = [...states, grad].map((t) => floats(b, t)!);
    addon.adamw(p, mv, vv, g, outs[0], outs[1], outs[2], a.lr, a.beta1, a.beta2, a.eps, c1, c2, a.weightDecay);
    if (!inPlace) return outs.map((o) => output(b, param.shape, o));
    return states.map((t) => {
      b.incRef(t.dataId);
      return { dataId: t.dataId, shape: t.shape, dtype: t.dtype };
    });
  };
}

