import { HEAD_NLL, HEAD_NLL_GRAD, headNllShape, type HeadNllAttrs } from '@dft/ops';
import type * as tf from '@tensorflow/tfjs-core';
import { allocFloats, floats, int32s, output, type KernelArgs, type KernelContext, type NativeKernel } from '../kernels/context.js';

/** The operands both kernels read, checked, as the addon takes them: (x, weight, targets) and the trailing sizes. */
function operands(args: KernelArgs, kernel: string) {
  const { x, weight, targets } = args.inputs as Record<string, tf.TensorInfo>;
  const attrs = args.attrs as unknown as HeadNllAttrs;
  const [rows, hidden, vocab] = headNllShape(x!, weight!, targets!, attrs, kernel);
  const b = args.backend;
  const arrays = [floats(b, x!)!, floats(b, weight!)!, int32s(b.data.get(targets!.dataId).values!)] as const;
  const sizes = [rows, hidden, vocab, attrs.transposed, attrs.softcap ?? 0, attrs.chunkRows] as const;
  return { arrays, sizes, rows, hidden, weight: weight! };
}

/**
 * @dft/ops' `DftHeadNll`: per-row NLL of `softcap(x · W)`, `chunkRows` rows at a time through one reused logits
 * buffer inside the addon (never a tfjs tensor); only `[rows]` numbers come out.
 */
export function headNllKernel({ addon }: KernelContext): NativeKernel {
  return (args: KernelArgs) => {
    const { arrays, sizes, rows } = operands(args, HEAD_NLL);
    const nll = allocFloats(rows);
    addon.headNll(...arrays, nll, ...sizes);
    return output(args.backend, [rows], nll);
  };
}

/**
 * @dft/ops' `DftHeadNllGrad`: `[dx, dWeight]` of Σ nll·dy, recomputing each chunk's logits (and log-sum-exp) in
 * the addon; dWeight is one array the chunks accumulate into.
 */
export function headNllGradKernel({ addon }: KernelContext): NativeKernel {
  return (args: KernelArgs) => {
    const { arrays, sizes, rows, hidden, weight } = operands(args, HEAD_NLL_GRAD);
    const dy = (args.inputs as Record<string, tf.TensorInfo>).dy;
    if (!dy || dy.dtype !== 'float32' || dy.shape.length !== 1 || dy.shape[0] !== rows) {
      throw new Error(`${HEAD_NLL_GRAD}: dy must be float32 [${rows}], got ${dy ? `${dy.dtype} [${dy.shape}]` : 'nothing'}`);
    }
    const dx = allocFloats(rows * hidden);
    const dWeight = allocFloats(weight.shape[0]! * weight.shape[1]!);
    addon.headNllGrad(...arrays, floats(args.backend, dy)!, dx, dWeight, ...sizes);
    return [output(args.backend, [rows, hidden], dx), output(args.backend, [...weight.shape], dWeight)];
  };
}
