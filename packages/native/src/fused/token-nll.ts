import { TOKEN_NLL, TOKEN_NLL_GRAD, tokenNllShape } from '@dft/ops';
import type * as tf from '@tensorflow/tfjs-core';
import { allocFloats, floats, int32s, output, type KernelArgs, type KernelContext, type NativeKernel } from '../kernels/context.js';

/** @dft/ops' `DftTokenNll`: per-row NLL of the target and log-sum-exp, without any [rows, vocab] intermediate. */
export function tokenNllKernel({ addon }: KernelContext): NativeKernel {
  return (args: KernelArgs) => {
    const { logits, targets } = args.inputs as Record<string, tf.TensorInfo>;
    const [rows, vocab] = tokenNllShape(logits, targets, TOKEN_NLL);
    const nll = allocFloats(rows);
    const lse = allocFloats(rows);
    addon.tokenNll(floats(args.backend, logits)!, int32s(args.backend.data.get(targets.dataId).values!), nll, lse, rows, vocab);
    return [output(args.backend, [rows], nll), output(args.backend, [rows], lse)];
  };
}

/** @dft/ops' `DftTokenNllGrad`: dz = softmax(z)·(dNll + dLse) − onehot(t)·dNll in one pass. */
export function tokenNllGradKernel({ addon }: KernelContext): NativeKernel {
  return (args: KernelArgs) => {
    const { logits, targets, lse, dNll, dLse } = args.inputs as Record<string, tf.TensorInfo>;
    const [rows, vocab] = tokenNllShape(logits, targets, TOKEN_NLL_GRAD);
    const b = args.backend;
    const dz = allocFloats(rows * vocab);
    addon.tokenNllGrad(floats(b, logits)!, int32s(b.data.get(targets.dataId).values!), floats(b, lse)!, floats(b, dNll)!, floats(b, dLse)!, dz, rows, vocab);
    return output(b, [rows, vocab], dz);
  };
}
