import * as tf from '@tensorflow/tfjs-core';
import { hasKernels } from './kernels.js';

/**
 * inputs {param, m, v, grad} (f32, one shape), attrs AdamWAttrs → [param, m, v]. A kernel may write the inputs'
 * storage in place and return it (with its reference count raised, as a reshape does) when no other tensor shares
 * it; the op assigns whatever it returns.
 */
export const ADAMW_UPDATE = 'DftAdamW';

export interface AdamWAttrs {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  /** 1-based step number, for the bias corrections 1 − βᵗ. */
  step: number;
  /** Decoupled weight decay (p ← p·(1 − lr·wd) first); 0 gives Adam. */
  weightDecay: number;
}

/** Checks the operands (Tensors or a kernel's TensorInfos) and attributes; returns the bias corrections [c1, c2]. */
export function adamwCorrections(param: tf.TensorInfo, others: Record<string, tf.TensorInfo>, a: AdamWAttrs): [number, number] {
  if (param.dtype !== 'float32') throw new Error(`${ADAMW_UPDATE}: the parameter must be float32, got ${param.dtype}`);
  for (const [name, t] of Object.entries(others)) {
    if (t.dtype !== 'float32' || !tf.util.arraysEqual(t.shape, param.shape)) {
      throw new Error(`${ADAMW_UPDATE}: ${name} must be float32 [${param.shape}] like the parameter, got ${t.dtype} [${t.shape}]`);
    }
  }
  if (!Number.isInteger(a.step) || a.step < 1) throw new Error(`${ADAMW_UPDATE}: step ${a.step} must be an integer ≥ 1`);
  for (const k of ['lr', 'beta1', 'beta2', 'eps', 'weightDecay'] as const) {
    if (!Number.isFinite(a[k])) throw new Error(`${ADAMW_UPDATE}: ${k} must be a finite number, got ${a[k]}`);
  }
  return [1 - Math.pow(a.beta1, a.step), 1 - Math.pow(a.beta2, a.step)];
}

/** The update from tfjs ops (~13 elementwise ops), what every backend without the kernel runs. */
export function adamwUpdateComposite(param: tf.Variable, m: tf.Variable, v: tf.Variable, grad: tf.Tensor, attrs: AdamWAttrs): void {
  const [c1, c2] = adamwCorrections(param, { m, v, grad }, attrs);
  const { lr, beta1, beta2, eps, weightDecay } = attrs;
  tf.tidy(() => {
    const m2 = tf.add(tf.mul(m, beta1), tf.mul(grad, 1 - beta1));
    const v2 = tf.add(tf.mul(v, beta2), tf.mul(tf.square(grad), 1 - beta2));
    m.assign(m2);
    v.assign(v2);
    const decayed = weightDecay ? tf.mul(param, 1 - lr * weightDecay) : param;
    const update = tf.div(tf.div(m2, c1), tf.add(tf.sqrt(tf.div(v2, c2)), eps));
    param.assign(tf.sub(decayed, tf.mul(update, lr)));
  });
}

/**
 * Applies one AdamW step to `param` and its moments `m`, `v` (variables of the parameter's shape), given `grad`:
 * m ← β₁m + (1−β₁)g, v ← β₂v + (1−β₂)g², p ← p·(1 − lr·wd) − lr·m̂/(√v̂ + ε), as `torch.optim.AdamW` (and tfjs's
 * Adam with weightDecay 0). A backend's kernel may update the storage in place, as PyTorch's optimisers do (then
 * an array obtained earlier from `param.dataSync()` changes with it).
 */
export function adamwUpdate(param: tf.Variable, m: tf.Variable, v: tf.Variable, grad: tf.Tensor, attrs: AdamWAttrs): void {
  if (!hasKernels([ADAMW_UPDATE])) {
    adamwUpdateComposite(param, m, v, grad, attrs);
    return;
  }
  adamwCorrections(param, { m, v, grad }, attrs);
  tf.tidy(() => {
    const [p2, m2, v2] = tf.engine().runKernel(ADAMW_UPDATE, { param, m, v, grad }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor[];
    param.assign(p2);
    m.assign(m2);
    v.assign(v2);
  });
}
