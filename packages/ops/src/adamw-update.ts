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

/**
 * Elements per block of the composite update: 2^22 (16 MiB of float32), so a block's own scratch (three blocks at
 * most) is 48 MiB, while the largest parameters (a 2.36 GB embedding) take ~140 blocks of ~20 kernels each, which
 * costs nothing next to the memory they stream.
 */
export const ADAMW_BLOCK_ELEMENTS = 2 ** 22;

/**
 * The parameter's rows (slices along its first axis) cut into blocks of about `blockElements` elements:
 * [first row, rows] each, the blocks one row longer first. A parameter of at most `blockElements` elements, or of
 * one row, is one block. Whole rows are contiguous, so a block is a plain slice of the tensor as it is (reshaping
 * it flat would be a new tensor on tfjs-node).
 */
export function adamwRowBlocks(shape: readonly number[], blockElements: number): [number, number][] {
  const rows = shape[0] ?? 1;
  const n = Math.max(1, Math.min(rows, Math.ceil(tf.util.sizeFromShape([...shape]) / blockElements)));
  const [short, long] = [Math.floor(rows / n), rows % n];
  let start = 0;
  return Array.from({ length: n }, (_, i) => {
    const block: [number, number] = [start, short + (i < long ? 1 : 0)];
    start += block[1];
    return block;
  });
}

/**
 * The update from tfjs ops (~13 elementwise ops), what every backend without the kernel runs. Bitwise the same
 * per element whatever the blocks (every element goes through the same ops in the same order): m, then v, then the
 * parameter from the new m and v, each built block by block (`adamwRowBlocks`), concatenated and assigned, which
 * releases the old tensor. Inside a block each intermediate is released once consumed, so at most three blocks'
 * tensors are alive; with the blocks one row longer first, the scratch (tensor bytes beyond the parameter, its
 * moments and the gradient) stays ≤ 2 × the parameter's bytes when it is more than one block, ≤ 3 × when it is one,
 * plus the op's float32 scalar operands (≤ 5 at once). The whole update in one tidy held 15 ×. (On wasm, the
 * backend setup of @dft/core replaces tfjs's Slice kernel, which copies its whole input for every slice.)
 */
export function adamwUpdateComposite(
  param: tf.Variable,
  m: tf.Variable,
  v: tf.Variable,
  grad: tf.Tensor,
  attrs: AdamWAttrs,
  blockElements = ADAMW_BLOCK_ELEMENTS,
): void {
  const [c1, c2] = adamwCorrections(param, { m, v, grad }, attrs);
  if (!Number.isInteger(blockElements) || blockElements < 1) {
    throw new Error(`${ADAMW_UPDATE}: blockElements must be an integer ≥ 1, got ${blockElements}`);
  }
  const { lr, beta1, beta2, eps, weightDecay } = attrs;
  const blocks = adamwRowBlocks(param.shape, blockElements);
  const callers = new Set<tf.Tensor>([param, m, v, grad]);
  // f(...xs), releasing its operands at once, except the caller's tensors (a lone block's operands are those).
  const consume = <A extends tf.Tensor[]>(f: (...xs: A) => tf.Tensor, ...xs: A): tf.Tensor => {
    const out = f(...xs);
    for (const x of xs) if (!callers.has(x)) x.dispose();
    return out;
  };
  // The new value of a tensor of the parameter's shape: `block(take)` computes one block, `take(x)` being x's rows
  // of that block. Each block is a tidy (the scalar operands tfjs makes from numbers live in it).
  const blockwise = (block: (take: (x: tf.Tensor) => tf.Tensor) => tf.Tensor): tf.Tensor => {
    if (blocks.length === 1) return tf.tidy(() => block((x) => x));
    const parts = blocks.map(([start, rows]) => tf.tidy(() => block((x) => tf.slice(x, [start], [rows]))));
    const whole = tf.concat(parts);
    tf.dispose(parts);
    return whole;
  };
  const assign = (x: tf.Variable, value: tf.Tensor) => {
    x.assign(value);
    value.dispose();
  };
  assign(m, blockwise((take) => consume(tf.add, consume((x) => tf.mul(x, beta1), take(m)), consume((g) => tf.mul(g, 1 - beta1), take(grad)))));
  assign(
    v,
    blockwise((take) =>
      consume(tf.add, consume((x) => tf.mul(x, beta2), take(v)), consume((s) => tf.mul(s, 1 - beta2), consume(tf.square, take(grad)))),
    ),
  );
  assign(
    param,
    blockwise((take) => {
      // The denominator first, so that no more than three blocks are alive at once.
      const denominator = consume((x) => tf.add(x, eps), consume(tf.sqrt, consume((x) => tf.div(x, c2), take(v))));
      const step = consume((u) => tf.mul(u, lr), consume(tf.div, consume((x) => tf.div(x, c1), take(m)), denominator));
      const decayed = weightDecay ? consume((p) => tf.mul(p, 1 - lr * weightDecay), take(param)) : take(param);
      return consume(tf.sub, decayed, step);
    }),
  );
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
