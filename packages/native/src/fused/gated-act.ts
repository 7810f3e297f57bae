import { checkGatedActivation, GATED_ACTIVATION, GATED_ACTIVATION_GRAD, type GatedActivation } from '@dft/ops';
import * as tf from '@tensorflow/tfjs-core';
import { allocFloats, floats, output, type KernelArgs, type KernelContext, type NativeKernel } from '../kernels/context.js';

/** The addon's activation codes. */
const CODES: Record<GatedActivation, number> = { silu: 0, gelu_tanh: 1 };

/** @dft/ops' `DftGatedAct`. */
export function gatedActKernel({ addon }: KernelContext): NativeKernel {
  return (args: KernelArgs) => {
    const { gate, up } = args.inputs as Record<string, tf.TensorInfo>;
    const act = CODES[checkGatedActivation(GATED_ACTIVATION, args.attrs?.activation, { gate, up })];
    const out = allocFloats(tf.util.sizeFromShape(gate.shape));
    addon.gatedAct(act, floats(args.backend, gate)!, floats(args.backend, up)!, out);
    return output(args.backend, gate.shape, out);
  };
}

/** @dft/ops' `DftGatedActGrad`: both input gradients in one pass. */
export function gatedActGradKernel({ addon }: KernelContext): NativeKernel {
  return (args: KernelArgs) => {
    const { gate, up, dy } = args.inputs as Record<string, tf.TensorInfo>;
    const act = CODES[checkGatedActivation(GATED_ACTIVATION_GRAD, args.attrs?.activation, { gate, up, dy })];
    const b = args.backend;
    const n = tf.util.sizeFromShape(gate.shape);
    const dGate = allocFloats(n);
    const dUp = allocFloats(n);
    addon.gatedActGrad(act, floats(b, gate)!, floats(b, up)!, floats(b, dy)!, dGate, dUp);
    return [output(b, gate.shape, dGate), output(b, gate.shape, dUp)];
  };
}
