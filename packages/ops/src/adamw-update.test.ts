import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { ADAMW_UPDATE, adamwUpdate, adamwUpdateComposite, type AdamWAttrs } from './adamw-update.js';
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

describe.each(BACKENDS)('adamwUpdate on %s', (backend) => {
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
    tf.dispose([p, m, v, wrong]);
  });
});
