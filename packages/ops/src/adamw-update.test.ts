import { withPeakBytes } from '@dft/core';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { ADAMW_UPDATE, adamwRowBlocks, adamwUpdate, adamwUpdateComposite, type AdamWAttrs } from './adamw-update.js';
import { hasKernels } from './kernels.js';
import { BACKENDS, kernelsOf, randn, relDiff, useBackend } from './test-utils/backends.js';

const ATTRS = { lr: 0.01, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.1 };
const N = 6 * 7;
const GRADS = [1, 2, 3].map((s) => randn(N, 100 + s));

/** Three steps of torch.optim.AdamW in float64: parameter, m and v afterwards. */
function reference(p0: Float32Array): Float64Array[] {
  const [p, m, v] = [Float64Array.from(p0), new Float64Array(N), new Float64Array(N)];
  GRADS.forEach((g, k) => {
    const t = k + 1;
    for (let i = 0; i < N; i++) {
      p[i] *= 1 - ATTRS.lr * ATTRS.weightDecay;
      m[i] = ATTRS.beta1 * m[i] + (1 - ATTRS.beta1) * g[i];
      v[i] = ATTRS.beta2 * v[i] + (1 - ATTRS.beta2) * g[i] ** 2;
      p[i] -= (ATTRS.lr * (m[i] / (1 - ATTRS.beta1 ** t))) / (Math.sqrt(v[i] / (1 - ATTRS.beta2 ** t)) + ATTRS.eps);
    }
  });
  return [p, m, v];
}

/** Three steps of `update` from fresh variables; their values afterwards. Asserts that no tensor leaks. */
function threeSteps(update: typeof adamwUpdate, p0: Float32Array): Float32Array[] {
  const vars = [tf.variable(tf.tensor(p0, [6, 7])), tf.variable(tf.zeros([6, 7])), tf.variable(tf.zeros([6, 7]))];
  const before = tf.memory().numTensors;
  GRADS.forEach((g, k) => tf.tidy(() => update(vars[0], vars[1], vars[2], tf.tensor(g, [6, 7]), { ...ATTRS, step: k + 1 })));
  expect(tf.memory().numTensors, 'tensors leaked').toBe(before);
  const out = vars.map((x) => Float32Array.from(x.dataSync()));
  tf.dispose(vars);
  return out;
}

/** The composite as it was, the whole update in one tidy: what the blocked composite must equal bit for bit. */
function oneTidy(param: tf.Variable, m: tf.Variable, v: tf.Variable, grad: tf.Tensor, attrs: AdamWAttrs): void {
  const { lr, beta1, beta2, eps, weightDecay, step } = attrs;
  const [c1, c2] = [1 - beta1 ** step, 1 - beta2 ** step];
  tf.tidy(() => {
    const m2 = tf.add(tf.mul(m, beta1), tf.mul(grad, 1 - beta1));
    const v2 = tf.add(tf.mul(v, beta2), tf.mul(tf.square(grad), 1 - beta2));
    m.assign(m2);
    v.assign(v2);
    const decayed = weightDecay ? tf.mul(param, 1 - lr * weightDecay) : param;
    param.assign(tf.sub(decayed, tf.mul(tf.div(tf.div(m2, c1), tf.add(tf.sqrt(tf.div(v2, c2)), eps)), lr)));
  });
}

/** Three steps of `update` on a [rows, cols] parameter from seeded values; its parameter, m and v afterwards. */
function stepsOn(update: typeof adamwUpdate, [rows, cols]: number[], weightDecay: number): Float32Array[] {
  const n = rows * cols;
  const vars = [randn(n, 3), new Float32Array(n), new Float32Array(n)].map((x) => tf.variable(tf.tensor(x, [rows, cols])));
  const before = tf.memory().numTensors;
  for (let step = 1; step <= 3; step++) {
    tf.tidy(() => update(vars[0], vars[1], vars[2], tf.tensor(randn(n, 10 + step), [rows, cols]), { ...ATTRS, weightDecay, step }));
  }
  expect(tf.memory().numTensors, 'tensors leaked').toBe(before);
  const out = vars.map((x) => Float32Array.from(x.dataSync()));
  tf.dispose(vars);
  return out;
}

/** Tensor bytes above what was alive before, at the peak of one update of a fresh [rows, cols] parameter. */
async function scratchOf(update: typeof adamwUpdate, shape: number[]): Promise<number> {
  const n = shape[0] * shape[1];
  const vars = [randn(n, 4), randn(n, 5).map(Math.abs), randn(n, 6).map(Math.abs)].map((x) => tf.variable(tf.tensor(x, shape)));
  const grad = tf.tensor(randn(n, 7), shape);
  const before = tf.memory().numBytes;
  const { peakBytes } = await withPeakBytes(() => update(vars[0], vars[1], vars[2], grad, { ...ATTRS, step: 2 }));
  tf.dispose([...vars, grad]);
  return peakBytes - before;
}

describe('adamwRowBlocks', () => {
  it('cuts the rows into about blockElements elements each, the longer blocks first', () => {
    expect(adamwRowBlocks([13, 7], 20)).toEqual([[0, 3], [3, 3], [6, 3], [9, 2], [11, 2]]);
    expect(adamwRowBlocks([5], 2)).toEqual([[0, 2], [2, 2], [4, 1]]);
    // At most blockElements elements, one row, a scalar: one block.
    expect(adamwRowBlocks([13, 7], 91)).toEqual([[0, 13]]);
    expect(adamwRowBlocks([1, 50], 10)).toEqual([[0, 1]]);
    expect(adamwRowBlocks([], 1)).toEqual([[0, 1]]);
  });
});

describe.each(BACKENDS)('adamwUpdate on %s', (backend) => {
  it.each([0.1, 0])('the composite in blocks equals the one-tidy composite bit for bit (weight decay %s)', async (weightDecay) => {
    await useBackend(backend);
    const want = stepsOn(oneTidy, [13, 7], weightDecay);
    // 5 blocks of 3, 3, 3, 2, 2 rows; 2 blocks; one.
    for (const blockElements of [20, 50, 91]) {
      const got = stepsOn((p, m, v, g, a) => adamwUpdateComposite(p, m, v, g, a, blockElements), [13, 7], weightDecay);
      got.forEach((x, i) => expect(x, `blockElements ${blockElements}, tensor ${i}`).toEqual(want[i]));
    }
  });

  it('the composite holds ≤ 2 × the parameter of scratch over several blocks, ≤ 3 × in one (the one tidy held 15 ×)', async () => {
    await useBackend(backend);
    const [shape, bytes] = [[300, 40], 4 * 300 * 40];
    // Five float32 scalar operands at most are alive beside the blocks.
    const scalars = 5 * 4;
    expect(await scratchOf((p, m, v, g, a) => adamwUpdateComposite(p, m, v, g, a, 1000), shape)).toBeLessThanOrEqual(2 * bytes + scalars);
    expect(await scratchOf((p, m, v, g, a) => adamwUpdateComposite(p, m, v, g, a, 300 * 40), shape)).toBeLessThanOrEqual(3 * bytes + scalars);
    expect(await scratchOf(oneTidy, shape)).toBeGreaterThanOrEqual(14 * bytes);
  });

  it('three steps match torch.optim.AdamW in float64, the kernel (where registered) the composite', async () => {
    await useBackend(backend);
    const p0 = randn(N, 7);
    const op = threeSteps(adamwUpdate, p0);
    const composite = threeSteps(adamwUpdateComposite, p0);
    const want = reference(p0);
    op.forEach((got, i) => {
      expect(relDiff(got, want[i])).toBeLessThanOrEqual(1e-5);
      expect(relDiff(got, composite[i])).toBeLessThanOrEqual(1e-6);
    });
  });

  it('runs its kernel exactly when the backend registers it', async () => {
    await useBackend(backend);
    const vars = [1, 0, 0].map((x) => tf.variable(tf.fill([3], x)));
    const ran = await kernelsOf(() => adamwUpdate(vars[0], vars[1], vars[2], tf.ones([3]), { ...ATTRS, step: 1 }));
    tf.dispose(vars);
    expect(ran.includes(ADAMW_UPDATE)).toBe(hasKernels([ADAMW_UPDATE]));
    expect(hasKernels([ADAMW_UPDATE])).toBe(backend === 'native');
  });

  it('rejects mismatched operands and bad attributes, naming the kernel', async () => {
    await useBackend(backend);
    const [p, m, v, wrong] = [[2, 3], [2, 3], [2, 3], [3, 2]].map((s) => tf.variable(tf.zeros(s)));
    const step = (attrs: Partial<AdamWAttrs>, mv = v) => () => tf.tidy(() => adamwUpdate(p, m, mv, tf.zeros([2, 3]), { ...ATTRS, step: 1, ...attrs }));
    expect(step({}, wrong)).toThrow('DftAdamW: v must be float32 [2,3] like the parameter, got float32 [3,2]');
    expect(step({ step: 0 })).toThrow('DftAdamW: step 0 must be an integer ≥ 1');
    expect(step({ lr: NaN })).toThrow('DftAdamW: lr must be a finite number, got NaN');
    expect(() => tf.tidy(() => adamwUpdateComposite(p, m, v, tf.zeros([2, 3]), { ...ATTRS, step: 1 }, 0))).toThrow(
      'DftAdamW: blockElements must be an integer ≥ 1, got 0',
    );
    tf.dispose([p, m, v, wrong]);
  });
});
