import * as tf from '@tensorflow/tfjs-core';
import { hasKernels, registerGradientOnce, type CustomGradientFunc } from './kernels.js';
import { oneHotFloat } from './one-hot.js';

/** inputs {logits [rows, vocab] f32, targets [rows] i32} → [nll [rows], lse [rows]] */
export const TOKEN_NLL = 'DftTokenNll';
/** inputs {logits, targets, lse, dNll, dLse} → dLogits */
export const TOKEN_NLL_GRAD = 'DftTokenNllGrad';

/** Checks the operands (a Tensor or a kernel's TensorInfo) and returns [rows, vocab]. */
export function tokenNllShape(logits: tf.TensorInfo, targets: tf.TensorInfo, kernel: string): [number, number] {
  if (logits.shape.length !== 2 || logits.dtype !== 'float32') {
    throw new Error(`${kernel}: logits must be float32 [rows, vocab], got ${logits.dtype} [${logits.shape}]`);
  }
  if (targets.shape.length !== 1 || targets.shape[0] !== logits.shape[0] || targets.dtype !== 'int32') {
    throw new Error(`${kernel}: targets must be int32 [${logits.shape[0]}], got ${targets.dtype} [${targets.shape}]`);
  }
  return [logits.shape[0], logits.shape[1]];
}

registerGradientOnce({
  kernelName: TOKEN_NLL,
  inputsToSave: ['logits', 'targets'],
  outputsToSave: [false, true],
  gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
    const [dNll, dLse] = dy as tf.Tensor[];
    const [logits, targets, lse] = saved;
    return {
      logits: () => tf.engine().runKernel(TOKEN_NLL_GRAD, { logits, targets, lse, dNll, dLse }) as tf.Tensor,
      // Targets are data: a zero gradient (tfjs wants float32).
      targets: () => tf.zeros(targets.shape),
    };
  },
});

/*
 * The composite keeps a hand-written gradient: autodiff of `logSoftmax` + a one-hot product would keep several
 * `[rows, vocab]` tensors alive on the tape, and the gradient of `gather` runs through UnsortedSegmentSum, which is
 * extremely slow on the cpu/wasm backends. The forward pass keeps only the logits (saved for backward); the
 * backward pass builds exactly one `[rows, vocab]` one-hot matrix: dL/dz = (softmax(z) − onehot(t))·dy.
 */
const compositeNll = tf.customGrad(((z: tf.Tensor2D, targets: tf.Tensor1D, save: tf.GradSaveFunc) => {
  const [rows, vocab] = z.shape;
  const flatIndex = tf.add(tf.mul(tf.range(0, rows, 1, 'int32'), tf.scalar(vocab, 'int32')), targets);
  const picked = tf.gather(tf.reshape(z, [-1]), flatIndex);
  save([z, targets]);
  return {
    value: tf.sub(tf.logSumExp(z, 1), picked),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [zs, ts] = saved as [tf.Tensor2D, tf.Tensor1D];
      const dz = tf.mul(tf.sub(tf.softmax(zs), oneHotFloat(ts, vocab)), tf.expandDims(dy, 1));
      // Targets are data, not parameters: a zero gradient (tfjs requires float32).
      return [dz, tf.zeros(ts.shape)];
    },
  };
}) as unknown as CustomGradientFunc);

/** The tfjs-op composition of the kernel pair (what every backend without them runs). */
export function tokenNllComposite(logits: tf.Tensor2D, targets: tf.Tensor1D): tf.Tensor1D {
  return compositeNll(logits, targets) as tf.Tensor1D;
}

/**
 * `−log softmax(logits[r])[targets[r]]` per row, shape [rows], differentiable with respect to the logits; targets
 * int32 in `[0, vocab)`. Weight rows (masking, averaging) by multiplying the result: a weight-0 row gets an exactly
 * zero gradient row. With the kernels, no `[rows, vocab]` intermediate is kept between forward and backward.
 */
export function tokenNll(logits: tf.Tensor2D, targets: tf.Tensor1D): tf.Tensor1D {
  tokenNllShape(logits, targets, TOKEN_NLL);
  if (!hasKernels([TOKEN_NLL, TOKEN_NLL_GRAD])) return tokenNllComposite(logits, targets);
  const [nll, lse] = tf.engine().runKernel(TOKEN_NLL, { logits, targets }) as tf.Tensor[];
  lse.dispose();
  return nll as tf.Tensor1D;
}
