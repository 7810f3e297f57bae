import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterEach, describe, expect, it } from 'vitest';
import { loadPretrained } from '../model/pretrained.js';
import { TEST_BACKENDS, TINY_GEMMA2, TINY_LLAMA, useBackend } from '../test-utils/fixtures.js';
import { nativeStatus } from '@dft/native';
import { selectBackend, type BackendName } from './select-backend.js';
import { findTfjsNode } from './tensorflow/location.js';

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/** Runs `f` on cpu and on `other` and returns both results. */
async function onBoth<T>(other: BackendName, f: () => T): Promise<{ cpu: T; other: T }> {
  await useBackend('cpu');
  const cpu = f();
  await useBackend(other);
  return { cpu, other: f() };
}

describe.each(TEST_BACKENDS.filter((b) => b !== 'cpu'))('kernel fixes and gradients on %s against cpu', (backend) => {
  it('UnsortedSegmentSum adds rows into their segments (hand-computed)', async () => {
    const r = await onBoth(backend, () =>
      tf.tidy(() => Array.from(tf.unsortedSegmentSum(tf.tensor2d([[1, 2], [3, 4], [5, 6], [7, 8]]), tf.tensor1d([2, 0, 2, 1], 'int32'), 4).dataSync())),
    );
    expect(r.cpu).toEqual([3, 4, 7, 8, 6, 8, 0, 0]);
    expect(r.other).toEqual(r.cpu);
  });

  it('Slice of rows, of a window, of int32 and of nothing agrees with cpu (hand-computed)', async () => {
    const r = await onBoth(backend, () =>
      tf.tidy(() => {
        const x = tf.tensor2d([[0, 1, 2], [3, 4, 5], [6, 7, 8], [9, 10, 11]]);
        const rows = tf.slice(x, [1], [2]);
        return [rows, tf.slice(x, [1, 1], [2, 2]), tf.slice(tf.cast(x, 'int32'), [2], [-1]), tf.slice(x, [4], [0])].map((t) => ({
          shape: t.shape,
          dtype: t.dtype,
          values: Array.from(t.dataSync()),
        }));
      }),
    );
    expect(r.cpu).toEqual([
      { shape: [2, 3], dtype: 'float32', values: [3, 4, 5, 6, 7, 8] },
      { shape: [2, 2], dtype: 'float32', values: [4, 5, 7, 8] },
      { shape: [2, 3], dtype: 'int32', values: [6, 7, 8, 9, 10, 11] },
      { shape: [0, 3], dtype: 'float32', values: [] },
    ]);
    expect(r.other).toEqual(r.cpu);
  });

  it.runIf(backend === 'wasm')('Slice of whole rows on wasm reads nothing out of the heap into JavaScript', async () => {
    await useBackend('wasm');
    const x = tf.tensor2d([[0, 1], [2, 3], [4, 5]]);
    const b = tf.backend() as unknown as { readSync: (...a: unknown[]) => unknown };
    const readSync = b.readSync;
    let reads = 0;
    b.readSync = (...a) => (reads++, readSync.apply(b, a));
    try {
      const rows = tf.slice(x, [1], [2]);
      expect(reads).toBe(0);
      expect(Array.from(rows.dataSync())).toEqual([2, 3, 4, 5]);
      rows.dispose();
    } finally {
      b.readSync = readSync;
      x.dispose();
    }
  });

  it('the gradient of gather (embedding lookup) agrees with cpu and with counting', async () => {
    const ids = [3, 1, 3, 0, 3];
    const r = await onBoth(backend, () =>
      tf.tidy(() => {
        const table = tf.randomNormal([5, 4], 0, 1, 'float32', 1);
        const g = tf.grad((t: tf.Tensor) => tf.sum(tf.gather(t, tf.tensor1d(ids, 'int32'))))(table);
        return Array.from(g.dataSync());
      }),
    );
    // d(sum)/d(row r) = number of times r was looked up.
    expect(r.cpu).toEqual([1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 3, 3, 3, 3, 0, 0, 0, 0]);
    expect(maxAbsDiff(r.cpu, r.other)).toBe(0);
  });

  it.each([
    [false, false],
    [true, false],
    [false, true],
    [true, true],
  ])('BatchMatMul gradient (transposeA=%s, transposeB=%s) matches finite differences and agrees across backends', async (ta, tb) => {
    const r = await onBoth(backend, () =>
      tf.tidy(() => {
        const a = tf.randomNormal(ta ? [2, 5, 3] : [2, 3, 5], 0, 1, 'float32', 2);
        const b = tf.randomNormal(tb ? [4, 5] : [5, 4], 0, 1, 'float32', 3); // broadcast over a's batch
        const w = tf.randomNormal([2, 3, 4], 0, 1, 'float32', 4);
        const f = (x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.mul(tf.matMul(x, y, ta, tb), w));
        const [ga, gb] = tf.grads(f)([a, b]);
        // Central differences on a few entries of b (the broadcast operand).
        const bd = b.dataSync();
        const fd = [0, 7, 19].map((i) => {
          const h = 1e-2;
          const plus = Float32Array.from(bd);
          plus[i] += h;
          const minus = Float32Array.from(bd);
          minus[i] -= h;
          return (f(a, tf.tensor(plus, b.shape)).dataSync()[0] - f(a, tf.tensor(minus, b.shape)).dataSync()[0]) / (2 * h);
        });
        return { ga: Array.from(ga.dataSync()), gb: Array.from(gb.dataSync()), fd, shapeB: gb.shape };
      }),
    );
    expect(r.cpu.shapeB).toEqual(tb ? [4, 5] : [5, 4]);
    [0, 7, 19].forEach((i, k) => expect(Math.abs(r.cpu.gb[i] - r.cpu.fd[k])).toBeLessThan(1e-2 * Math.max(1, Math.abs(r.cpu.fd[k]))));
    expect(maxAbsDiff(r.cpu.ga, r.other.ga)).toBeLessThan(1e-4);
    expect(maxAbsDiff(r.cpu.gb, r.other.gb)).toBeLessThan(1e-4);
  });

  it.each([
    ['tiny-llama', TINY_LLAMA],
    ['tiny-gemma2', TINY_GEMMA2],
  ])('whole-model gradients of the causal-LM loss agree with cpu (%s)', async (_name, dir) => {
    const ids = [2, 45, 300, 7, 900, 13, 500, 61, 42, 1000, 3, 18];
    const r = await onBoth(backend, () => {
      const { model } = loadPretrained(dir);
      const grads = tf.tidy(() => {
        const x = tf.tensor2d([ids.slice(0, -1)], undefined, 'int32');
        const y = tf.oneHot(tf.tensor1d(ids.slice(1), 'int32'), model.config.vocabSize);
        const { grads } = tf.variableGrads(() => {
          const logits = tf.squeeze(model.forward(x).logits!, [0]);
          return tf.neg(tf.mean(tf.sum(tf.mul(y, tf.logSoftmax(logits)), -1))) as tf.Scalar;
        });
        const out: Record<string, Float32Array> = {};
        for (const [name, v] of model.params) out[name] = grads[v.name].dataSync() as Float32Array;
        return out;
      });
      model.dispose();
      return grads;
    });
    let worst = 0;
    let nonzero = 0;
    for (const name of Object.keys(r.cpu)) {
      worst = Math.max(worst, maxAbsDiff(r.cpu[name], r.other[name]));
      if (r.cpu[name].some((v) => v !== 0)) nonzero++;
    }
    expect(nonzero).toBe(Object.keys(r.cpu).length);
    expect(worst).toBeLessThanOrEqual(1e-4);
  });
});

describe('selectBackend', () => {
  const saved = process.env.DFT_BACKEND;
  afterEach(() => {
    if (saved === undefined) delete process.env.DFT_BACKEND;
    else process.env.DFT_BACKEND = saved;
  });

  it('uses DFT_BACKEND, logs the choice, and prefers an explicit option', async () => {
    const lines: string[] = [];
    process.env.DFT_BACKEND = 'cpu';
    expect(await selectBackend({ log: (l) => lines.push(l) })).toBe('cpu');
    expect(tf.getBackend()).toBe('cpu');
    expect(await selectBackend({ prefer: 'wasm', log: (l) => lines.push(l) })).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
    expect(lines).toEqual(['dft: backend cpu (@tensorflow/tfjs-backend-cpu)', 'dft: backend wasm (@tensorflow/tfjs-backend-wasm)']);
  });

  it('picks tensorflow by itself only in its GPU build, else native (when built) or wasm; names a bad DFT_BACKEND', async () => {
    delete process.env.DFT_BACKEND;
    const expected = findTfjsNode()?.gpu ? 'tensorflow' : nativeStatus().available ? 'native' : 'wasm';
    expect(await selectBackend({ log: null })).toBe(expected);
    process.env.DFT_BACKEND = 'gpu';
    await expect(selectBackend({ log: null })).rejects.toThrow('DFT_BACKEND: unknown backend "gpu"');
  });

  it('names the setup command when tensorflow is asked for and absent', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'dft-no-tfjs-node-'));
    process.env.DFT_TFJS_NODE_PREFIX = empty;
    try {
      await expect(selectBackend({ prefer: 'tensorflow', log: null })).rejects.toThrow(
        'backend "tensorflow" is not available (build it with `pnpm setup:tensorflow --wheel <tensorflow or tensorflow-cpu wheel>`',
      );
    } finally {
      delete process.env.DFT_TFJS_NODE_PREFIX;
      rmSync(empty, { recursive: true });
    }
  });

  it.runIf(findTfjsNode() !== null)('starts tensorflow when asked for and says which TensorFlow runs', async () => {
    const lines: string[] = [];
    expect(await selectBackend({ prefer: 'tensorflow', log: (l) => lines.push(l) })).toBe('tensorflow');
    expect(tf.getBackend()).toBe('tensorflow');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^dft: backend tensorflow \(@tensorflow\/tfjs-node(-gpu)?, TensorFlow \d+\.\d+\.\d+, (CPU|GPU)/);
  });
});
