import * as tf from '@tensorflow/tfjs-core';
import { AdamW } from '@dft/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { adamwUpdate, gatedActivation, hasKernels, OP_KERNELS, rmsNorm, TOKEN_NLL, tokenNll } from '@dft/ops';
import { NATIVE_MISSING, expectSame, rand, randn, read, relDiff, setUpBackends, type Both } from './test-utils/backends.js';

/**
 * `fused` on native against `composite` (tfjs ops, what core's model computes) on cpu: forward and the gradient of
 * Σ f(x)·w with respect to every input.
 */
async function againstComposite(shapes: number[][], fused: (...x: tf.Tensor[]) => tf.Tensor, composite: (...x: tf.Tensor[]) => tf.Tensor): Promise<void> {
  const r = {} as Both<ReturnType<typeof read>>;
  for (const [backend, f] of [['cpu', composite], ['native', fused]] as const) {
    await tf.setBackend(backend);
    tf.tidy(() => {
      const xs = shapes.map((s, i) => rand(s, 200 + i));
      const y = f(...xs);
      const w = rand(y.shape, 299);
      r[backend] = read([y, ...tf.grads((...a: tf.Tensor[]) => tf.sum(tf.mul(f(...a), w)))(xs)]);
    });
  }
  expectSame(r);
}

/** The composite the fused kernels replace: −log softmax(z)[t] per row, from tfjs ops on cpu. */
function compositeNll(z: tf.Tensor2D, t: number[]): tf.Tensor1D {
  const picked = tf.sum(tf.mul(tf.logSoftmax(z), tf.oneHot(tf.tensor1d(t, 'int32'), z.shape[1])), 1);
  return tf.neg(picked) as tf.Tensor1D;
}

function targets(rows: number, vocab: number, seed: number): number[] {
  return Array.from(randn(rows, seed), (x) => Math.floor(Math.abs(x * 7919)) % vocab);
}

describe.skipIf(NATIVE_MISSING !== null)('fused kernels', () => {
  beforeAll(setUpBackends);

  it("are registered for native only, under @dft/ops' kernel names", () => {
    expect(hasKernels(OP_KERNELS, 'native')).toBe(true);
    expect(OP_KERNELS.filter((k) => hasKernels([k], 'cpu'))).toEqual([]);
  });

  describe('token NLL', () => {
    it.each([
      [7, 50],
      [5, 2],
      [3, 40000],
    ])('rows %i × vocab %i: per-row NLL and its weighted gradient match the cpu composite', async (rows, vocab) => {
      const t = targets(rows, vocab, rows * vocab);
      const weights = Array.from({ length: rows }, (_, r) => (r % 3 === 2 ? 0 : 1 + r / 10)); // weight 0 = ignored row
      const run = (f: (z: tf.Tensor2D) => tf.Tensor1D) => {
        const z = tf.mul(rand([rows, vocab], 3), 4) as tf.Tensor2D;
        const w = tf.tensor1d(weights);
        const loss = (x: tf.Tensor) => tf.sum(tf.mul(f(x as tf.Tensor2D), w));
        return read([f(z), tf.grad(loss)(z)]);
      };
      await tf.setBackend('cpu');
      let want: ReturnType<typeof read> = [];
      tf.tidy(() => void (want = run((z) => compositeNll(z, t))));
      await tf.setBackend('native');
      let got: ReturnType<typeof read> = [];
      tf.tidy(() => void (got = run((z) => tokenNll(z, tf.tensor1d(t, 'int32')))));
      expect(got[0].shape).toEqual([rows]);
      expect(relDiff(got[0].values, want[0].values)).toBeLessThanOrEqual(1e-4);
      expect(relDiff(got[1].values, want[1].values)).toBeLessThanOrEqual(1e-5);
      // Rows with weight 0 get an exactly zero gradient.
      if (rows > 2) expect(got[1].values.subarray(2 * vocab, 3 * vocab).every((x) => x === 0)).toBe(true);
    });

    it('hand-computed: logits [0, ln 3] with target 1 give −log(3/4); the gradient is softmax − onehot', async () => {
      await tf.setBackend('native');
      const z = tf.tensor2d([[0, Math.log(3)]]);
      const [nll, g] = tf.tidy(() => read([tokenNll(z, tf.tensor1d([1], 'int32')), tf.grad((x: tf.Tensor) => tf.sum(tokenNll(x as tf.Tensor2D, tf.tensor1d([1], 'int32'))))(z)]));
      z.dispose();
      expect(nll.values[0]).toBeCloseTo(-Math.log(0.75), 6);
      expect(g.values[0]).toBeCloseTo(0.25, 6);
      expect(g.values[1]).toBeCloseTo(-0.25, 6);
    });

    it('the log-sum-exp output is differentiable too (gradient softmax)', async () => {
      await tf.setBackend('native');
      const z = rand([4, 9], 8);
      const [g] = tf.tidy(() => read(tf.grad((x: tf.Tensor) => {
        const [nll, lse] = tf.engine().runKernel(TOKEN_NLL, { logits: x, targets: tf.tensor1d([0, 1, 2, 3], 'int32') }) as tf.Tensor[];
        return tf.add(tf.sum(nll), tf.mul(tf.sum(lse), 2));
      })(z)));
      await tf.setBackend('cpu');
      const zc = tf.tensor2d(z.dataSync(), [4, 9]);
      const [want] = tf.tidy(() => read(tf.grad((x: tf.Tensor) => tf.add(tf.sum(compositeNll(x as tf.Tensor2D, [0, 1, 2, 3])), tf.mul(tf.sum(tf.logSumExp(x, 1)), 2)))(zc)));
      tf.dispose([z, zc]);
      expect(relDiff(g.values, want.values)).toBeLessThanOrEqual(1e-5);
    });

    it('rejects out-of-range targets and wrong dtypes by name', async () => {
      await tf.setBackend('native');
      const z = tf.zeros([2, 5]) as tf.Tensor2D;
      expect(() => tf.tidy(() => tokenNll(z, tf.tensor1d([1, 5], 'int32')))).toThrow('tokenNll: target 5 of row 1 is not in [0, 5)');
      expect(() => tf.tidy(() => tokenNll(z, tf.tensor1d([1, 2]) as tf.Tensor1D))).toThrow('DftTokenNll: targets must be int32 [2], got float32 [2]');
      expect(() => tf.tidy(() => tokenNll(z, tf.tensor1d([1], 'int32')))).toThrow('DftTokenNll: targets must be int32 [2], got int32 [1]');
      z.dispose();
    });
  });

  describe('RMSNorm', () => {
    const composite = (offset: number) => (x: tf.Tensor, w: tf.Tensor) =>
      tf.mul(tf.mul(x, tf.rsqrt(tf.add(tf.mean(tf.square(x), -1, true), 1e-5))), offset ? tf.add(w, offset) : w);
    it.each([
      [[2, 5, 16], 0],
      [[2, 5, 16], 1],
      [[7, 33], 0],
      [[300, 256], 0], // rows split across threads
    ])('x %j, offset %i: forward and gradients for x and the weight match the tfjs composite', async (shape, offset) => {
      const d = shape[shape.length - 1];
      await againstComposite([shape, [d]], (x, w) => rmsNorm(x, w as tf.Tensor1D, 1e-5, offset), composite(offset));
    });

    it('hand-computed: [3, 4] with unit weight is [3, 4] / √12.5', async () => {
      await tf.setBackend('native');
      const [y] = tf.tidy(() => read(rmsNorm(tf.tensor2d([[3, 4]]), tf.ones([2]) as tf.Tensor1D, 0)));
      expect(y.values[0]).toBeCloseTo(3 / Math.sqrt(12.5), 6);
      expect(y.values[1]).toBeCloseTo(4 / Math.sqrt(12.5), 6);
    });

    it('rejects a weight of the wrong length', async () => {
      await tf.setBackend('native');
      expect(() => tf.tidy(() => rmsNorm(tf.zeros([2, 4]), tf.zeros([3]) as tf.Tensor1D, 1e-5))).toThrow(
        'DftRmsNorm: expected float32 x [..., d] and weight [d], got float32 [2,4] and float32 [3]',
      );
    });
  });

  describe('gated activation', () => {
    const silu = (g: tf.Tensor, u: tf.Tensor) => tf.mul(tf.mul(g, tf.sigmoid(g)), u);
    const gelu = (g: tf.Tensor, u: tf.Tensor) => {
      const inner = tf.mul(tf.add(g, tf.mul(tf.mul(tf.mul(g, g), g), 0.044715)), Math.sqrt(2 / Math.PI));
      return tf.mul(tf.mul(tf.mul(g, 0.5), tf.add(tf.tanh(inner), 1)), u);
    };
    it.each([[[3, 7, 11]], [[40001]]])('silu(gate)·up on %j matches the tfjs composite (forward, both gradients)', async (shape) => {
      await againstComposite([shape, shape], (g, u) => gatedActivation(g, u, 'silu'), silu);
    });

    it.each([[[3, 7, 11]], [[40001]]])('gelu_tanh(gate)·up on %j matches the tfjs composite (forward, both gradients)', async (shape) => {
      await againstComposite([shape, shape], (g, u) => gatedActivation(g, u, 'gelu_tanh'), gelu);
    });

    it('rejects unknown activations and mismatched shapes', async () => {
      await tf.setBackend('native');
      expect(() => tf.tidy(() => gatedActivation(tf.zeros([2]), tf.zeros([2]), 'relu' as 'silu'))).toThrow('DftGatedAct: activation must be "silu" or "gelu_tanh", got "relu"');
      expect(() => tf.tidy(() => gatedActivation(tf.zeros([2]), tf.zeros([3]), 'silu'))).toThrow('DftGatedAct: up must be float32 [2] like gate, got float32 [3]');
    });
  });

  describe('AdamW', () => {
    const attrs = { lr: 0.01, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.1 };
    const shape = [33, 17];
    const grads = [1, 2, 3].map((s) => randn(33 * 17, 100 + s));

    it("three steps match core's AdamW (decoupled decay, bias correction) on cpu", async () => {
      await tf.setBackend('cpu');
      const ref = tf.variable(rand(shape, 7), true, 'w');
      const opt = new AdamW({ weightDecay: attrs.weightDecay, eps: attrs.eps });
      for (const g of grads) tf.tidy(() => opt.apply(new Map([['w', ref]]), new Map([['w', tf.tensor(g, shape)]]), attrs.lr));
      const want = Float32Array.from(ref.dataSync());
      tf.dispose(ref);
      opt.dispose();

      await tf.setBackend('native');
      const p = tf.variable(rand(shape, 7));
      const m = tf.variable(tf.zeros(shape));
      const v = tf.variable(tf.zeros(shape));
      const before = tf.memory().numTensors;
      grads.forEach((g, i) => tf.tidy(() => adamwUpdate(p, m, v, tf.tensor(g, shape), { ...attrs, step: i + 1 })));
      expect(tf.memory().numTensors).toBe(before);
      expect(relDiff(p.dataSync(), want)).toBeLessThanOrEqual(1e-6);
      // m after three steps: Σ (1−β₁)β₁^(3−k) g_k.
      const m0 = 0.1 * (0.81 * grads[0][0] + 0.9 * grads[1][0] + grads[2][0]);
      expect(m.dataSync()[0]).toBeCloseTo(m0, 6);
      tf.dispose([p, m, v]);
    });

    it('with shared storage it assigns new tensors and leaves the sharer untouched (same numbers)', async () => {
      await tf.setBackend('native');
      const run = (share: boolean) => {
        const p = tf.variable(rand(shape, 7));
        const m = tf.variable(tf.zeros(shape));
        const v = tf.variable(tf.zeros(shape));
        const sharer = share ? tf.reshape(p, [-1]) : null; // shares p's storage: no in-place write allowed
        const old = Float32Array.from(p.dataSync());
        tf.tidy(() => adamwUpdate(p, m, v, tf.tensor(grads[0], shape), { ...attrs, step: 1 }));
        if (sharer) expect(relDiff(sharer.dataSync(), old)).toBe(0);
        const out = Float32Array.from(p.dataSync());
        tf.dispose([p, m, v, ...(sharer ? [sharer] : [])]);
        return out;
      };
      const inPlace = run(false);
      const assigned = run(true);
      expect(relDiff(inPlace, assigned)).toBe(0);
    });

    it('rejects mismatched operands and a step below 1', async () => {
      await tf.setBackend('native');
      const p = tf.variable(tf.zeros([2, 3]));
      const m = tf.variable(tf.zeros([2, 3]));
      const wrong = tf.variable(tf.zeros([3, 2]));
      const v = tf.variable(tf.zeros([2, 3]));
      expect(() => tf.tidy(() => adamwUpdate(p, m, wrong, tf.zeros([2, 3]), { ...attrs, step: 1 }))).toThrow(
        'DftAdamW: v must be float32 [2,3] like the parameter, got float32 [3,2]',
      );
      expect(() => tf.tidy(() => adamwUpdate(p, m, v, tf.zeros([2, 3]), { ...attrs, step: 0 }))).toThrow('DftAdamW: step 0 must be an integer ≥ 1');
      expect(() => tf.tidy(() => adamwUpdate(p, m, v, tf.zeros([2, 3]), { ...attrs, lr: NaN, step: 1 }))).toThrow('DftAdamW: lr must be a finite number, got NaN');
      tf.dispose([p, m, v, wrong]);
    });
  });
});
