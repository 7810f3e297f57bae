import * as tf from '@tensorflow/tfjs-core';
import { hasKernels, registerGradientOnce } from './kernels.js';

/** inputs {gate, up} (one shape), attrs {activation: 'silu' | 'gelu_tanh'} → act(gate)·up */
export const GATED_ACTIVATION = 'DftGatedAct';
/** inputs {gate, up, dy}, attrs {activation} → [dGate, dUp] */
export const GATED_ACTIVATION_GRAD = 'DftGatedActGrad';

export type GatedActivation = 'silu' | 'gelu_tanh';
export const GATED_ACTIVATIONS: readonly GatedActivation[] = ['silu', 'gelu_tanh'];

/** Checks the activation and that every operand is float32 of the first one's shape. */
export function checkGatedActivation(kernel: string, activation: unknown, operands: Record<string, tf.TensorInfo>): GatedActivation {
  if (!GATED_ACTIVATIONS.includes(activation as GatedActivation)) {
    throw new Error(`${kernel}: activation must be "silu" or "gelu_tanh", got ${JSON.stringify(activation)}`);
  }
  const [[firstName, first], ...rest] = Object.entries(operands);
  for (const [name, t] of [[firstName, first], ...rest] as const) {
    if (t.dtype !== 'float32' || !tf.util.arraysEqual(t.shape, first.shape)) {
      throw new Error(`${kernel}: ${name} must be float32 [${first.shape}] like ${firstName}, got ${t.dtype} [${t.shape}]`);
    }
  }
  return activation as GatedActivation;
}

registerGradientOnce({
  kernelName: GATED_ACTIVATION,
  inputsToSave: ['gate', 'up'],
  gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[], attrs: tf.NamedAttrMap) => {
    const inputs = { gate: saved[0], up: saved[1], dy: dy as tf.Tensor };
    const [dGate, dUp] = tf.engine().runKernel(GATED_ACTIVATION_GRAD, inputs, attrs) as tf.Tensor[];
    return { gate: () => dGate, up: () => dUp };
  },
});

/** GELU, tanh approximation (`gelu_pytorch_tanh`): 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))). */
function geluTanh<T extends tf.Tensor>(x: T): T {
  const cube = tf.mul(tf.mul(x, x), x);
  const inner = tf.mul(tf.add(x, tf.mul(cube, 0.044715)), Math.sqrt(2 / Math.PI));
  return tf.mul(tf.mul(x, 0.5), tf.add(tf.tanh(inner), 1));
}

/** The tfjs-op composition of the kernel pair (what every backend without them runs); autodiff gives its gradient. */
export function gatedActivationComposite<T extends tf.Tensor>(gate: T, up: T, activation: GatedActivation): T {
  return tf.tidy(() => tf.mul(activation === 'silu' ? tf.mul(gate, tf.sigmoid(gate)) : geluTanh(gate), up));
}

/**
 * The gated MLP activation `act(gate)·up`: SiLU (LLaMA's `silu(gate)·up`) or the tanh approximation of GELU
 * (Gemma's `gelu_pytorch_tanh`), differentiable in both inputs.
 */
export function gatedActivation<T extends tf.Tensor>(gate: T, up: T, activation: GatedActivation): T {
  checkGatedActivation(GATED_ACTIVATION, activation, { gate, up });
  if (!hasKernels([GATED_ACTIVATION, GATED_ACTIVATION_GRAD])) return gatedActivationComposite(gate, up, activation);
  return tf.engine().runKernel(GATED_ACTIVATION, { gate, up }, { activation }) as T;
}
