import { RMS_NORM, RMS_NORM_GRAD, rmsNormShape, type RmsNormAttrs } from '@dft/ops';
import type * as tf from '@tensorflow/tfjs-core';
import { allocFloats, floats, output, type KernelArgs, type KernelContext, type NativeKernel } from '../kernels/context.js';

/** @dft/ops' `DftRmsNorm`: y and the per-row rsqrt(mean(x²) + eps) that the gradient kernel reuses. */
export function rmsNormKernel({ addon }: KernelContext): NativeKernel {
  return (args: KernelArgs) => {
    const { x, weight } = args.inputs as Record<string, tf.TensorInfo>;
    const { eps, offset } = args.attrs as unknown as RmsNormAttrs;
    const [rows, dim] = rmsNormShape(x, weight, RMS_NORM);
    const y = allocFloats(rows * dim);
    const rstd = allocFloats(rows);
    addon.rmsNorm(floats(args.backend, x)!, floats(args.backend, weight)!, y, rstd, rows, dim, eps, offset);
    return [output(args.backend, x.shape, y), output(args.backend, [rows], rstd)];
  };
}

/** @dft/ops' `DftRmsNormGrad`: dx and dWeight in one pass over the rows. */
export function rmsNormGradKernel({ addon }: KernelContext): NativeKernel {
  return (args: KernelArgs) => {
    const { x, weight, rstd, dy } = args.inputs as Record<string, tf.TensorInfo>;
    const { offset } = args.attrs as unknown as RmsNormAttrs;
    const [rows, dim] = rmsNormShape(x, weight, RMS_NORM_GRAD);
    const b = args.backend;
    const dx = allocFloats(rows * dim);
    const dw = allocFloats(dim);
    addon.rmsNormGrad(floats(b, x)!, floats(b, weight)!, floats(b, rstd)!, floats(b, dy)!, dx, dw, rows, dim, offset);
    return [output(b, x.shape, dx), output(b, [dim], dw)];
  };
}
