import { OP_KERNELS } from '@dft/ops';
import * as tf from '@tensorflow/tfjs-core';
import { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ADDON_PATH, loadAddon, loadAddonFrom, type NativeAddon } from './addon.js';
import { NATIVE_BACKEND, registerNativeBackend } from './backend.js';
import { NATIVE_MISSING, setUpBackends } from './test-utils/backends.js';

const PKG = fileURLToPath(new URL('..', import.meta.url));

describe.skipIf(NATIVE_MISSING !== null)('registerNativeBackend', () => {
  beforeAll(setUpBackends);

  it('registers `native` as a cpu backend instance with the native kernels over the cpu ones', async () => {
    const status = registerNativeBackend();
    expect(status.available).toBe(true);
    expect(status.blas).toMatch(/\S/);
    expect(status.threads).toBeGreaterThanOrEqual(1);
    expect(status.kernels).toEqual(expect.arrayContaining(['BatchMatMul', '_FusedMatMul', 'Softmax', 'Transpose', 'Slice', 'Sum', 'Exp']));
    for (const name of status.kernels!) {
      // Either a replacement of the cpu kernel or one of the fused kernels, which only native has.
      expect(tf.getKernel(name, NATIVE_BACKEND)!.kernelFunc, name).not.toBe(tf.getKernel(name, 'cpu')?.kernelFunc);
    }
    expect(status.kernels).toEqual(expect.arrayContaining([...OP_KERNELS]));
    // Everything else is the cpu backend's own kernel, including core's UnsortedSegmentSum fix registered before.
    for (const name of ['Cast', 'OneHot', 'UnsortedSegmentSum', 'Reshape']) {
      expect(tf.getKernel(name, NATIVE_BACKEND)!.kernelFunc, name).toBe(tf.getKernel(name, 'cpu')!.kernelFunc);
    }
    expect(tf.getKernelsForBackend(NATIVE_BACKEND).length).toBe(tf.getKernelsForBackend('cpu').length + OP_KERNELS.length);
    expect(await tf.setBackend(NATIVE_BACKEND)).toBe(true);
    expect(tf.getBackend()).toBe('native');
    expect(tf.backend()).toBeInstanceOf(MathBackendCPU);
  });

  it('is idempotent and keeps a kernel registered for native beforehand', () => {
    const mine = () => ({ dataId: {}, shape: [], dtype: 'float32' as const });
    tf.unregisterKernel('Cast', NATIVE_BACKEND);
    tf.registerKernel({ kernelName: 'Cast', backendName: NATIVE_BACKEND, kernelFunc: mine });
    const again = registerNativeBackend();
    expect(again.available).toBe(true);
    expect(tf.getKernel('Cast', NATIVE_BACKEND)!.kernelFunc).toBe(mine);
    tf.unregisterKernel('Cast', NATIVE_BACKEND);
    tf.registerKernel({ ...tf.getKernel('Cast', 'cpu')!, backendName: NATIVE_BACKEND });
  });

  it('sets the thread count and rejects bad counts with a clear error', () => {
    expect(registerNativeBackend({ threads: 1 }).threads).toBe(1);
    const restore = Math.min(8, Math.max(1, Number(process.env.DFT_NATIVE_THREADS) || 2));
    expect(registerNativeBackend({ threads: restore }).threads).toBe(restore);
    expect(() => registerNativeBackend({ threads: 0 })).toThrow('registerNativeBackend: threads: "0" is not an integer in 1..64');
    expect(() => registerNativeBackend({ threads: 2.5 })).toThrow(/not an integer in 1\.\.64/);
  });

  it('computes the same matMul on tensors created before the switch (moved from cpu)', async () => {
    await tf.setBackend('cpu');
    const a = tf.tensor2d([[1, 2, 3], [4, 5, 6]]);
    const b = tf.tensor2d([[1, 0], [0, 1], [1, 1]]);
    await tf.setBackend(NATIVE_BACKEND);
    const c = tf.matMul(a, b);
    expect(Array.from(c.dataSync())).toEqual([4, 5, 10, 11]);
    tf.dispose([a, b, c]);
  });
});

describe.skipIf(NATIVE_MISSING !== null)('addon argument checks', () => {
  const addon = loadAddon().addon as NativeAddon;
  const f = (n: number) => new Float32Array(n);
  const i = (...xs: number[]) => Int32Array.from(xs);

  it('rejects wrong array types, out-of-range offsets and inconsistent shapes by name', () => {
    expect(() => addon.gemm(f(6), f(6), f(4), i(0), i(1), 2, 2, 3, false, false, false)).toThrow('gemm: b offset out of range');
    expect(() => addon.gemm(f(6), f(6), f(3), i(0), i(0), 2, 2, 3, false, false, false)).toThrow('gemm: c is smaller than batch·M·N');
    expect(() => addon.binary(0, new Float64Array(2) as unknown as Float32Array, f(2), f(2), i(2), i(1), i(1))).toThrow('binary: a must be a Float32Array');
    expect(() => addon.binary(0, f(2), f(2), f(2), i(2), i(1), i(2))).toThrow('binary: strides reach past an operand');
    expect(() => addon.binary(99, f(2), f(2), f(2), i(2), i(1), i(1))).toThrow('binary: unknown op');
    expect(() => addon.transpose(f(6), f(6), i(2, 3), i(0, 0))).toThrow('transpose: perm is not a permutation');
    expect(() => addon.copyBox(f(6), i(2, 3), i(1, 0), f(6), i(2, 3), i(0, 0), i(2, 3))).toThrow('copyBox: box outside an array');
    expect(() => addon.reduce(0, f(6), f(2), 2, 2, 1)).toThrow('reduce: sizes do not match [outer, mid, inner]');
    expect(() => addon.softmax(f(6), f(6), 2, 4)).toThrow('softmax: sizes do not match [rows, cols]');
    expect(() => addon.setThreads(0)).toThrow('setThreads: n must be in 1..64');
  });

  it('computes in place on the arrays it is given (hand-checked gemm, gather, copyBox)', () => {
    const c = f(4);
    // [[1,2,3],[4,5,6]] · [[1,0],[0,1],[1,1]] with b given transposed ([[1,0,1],[0,1,1]]).
    addon.gemm(Float32Array.of(1, 2, 3, 4, 5, 6), Float32Array.of(1, 0, 1, 0, 1, 1), c, i(0), i(0), 2, 2, 3, false, true, false);
    expect([...c]).toEqual([4, 5, 10, 11]);
    addon.gemm(Float32Array.of(1, 2, 3, 4, 5, 6), Float32Array.of(1, 0, 1, 0, 1, 1), c, i(0), i(0), 2, 2, 3, false, true, true);
    expect([...c]).toEqual([8, 10, 20, 22]); // accumulate adds to the old c
    const g = f(4);
    addon.gather(Float32Array.of(10, 11, 20, 21, 30, 31), i(2, 0), g, 1, 3, 2);
    expect([...g]).toEqual([30, 31, 10, 11]);
    const box = f(6);
    addon.copyBox(Float32Array.of(1, 2, 3, 4), i(2, 2), i(0, 0), box, i(2, 3), i(0, 1), i(2, 2));
    expect([...box]).toEqual([0, 1, 2, 0, 3, 4]);
  });
});

describe('without the addon', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'dft-native-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('says it was never built when there is no build folder', () => {
    const r = loadAddonFrom(join(dir, 'nothing'));
    expect(r.addon).toBeNull();
    expect(r.reason).toMatch(/the addon was not built.*libopenblas-dev/);
  });

  it('reports the reason the install-time build recorded', () => {
    const root = join(dir, 'failed');
    mkdirSync(join(root, 'build'), { recursive: true });
    writeFileSync(join(root, 'build', 'status.json'), JSON.stringify({ ok: false, reason: 'CBLAS headers/library not found' }));
    expect(loadAddonFrom(root).reason).toBe('CBLAS headers/library not found');
  });

  it('reports a binary that does not load, naming the file', () => {
    const root = join(dir, 'corrupt');
    mkdirSync(join(root, 'build', 'Release'), { recursive: true });
    writeFileSync(join(root, 'build', 'Release', 'dft_native.node'), 'not a shared object');
    expect(loadAddonFrom(root).reason).toMatch(/^loading .*corrupt\/build\/Release\/dft_native\.node failed: /);
  });

  it('DFT_NATIVE_DISABLE makes registration report unavailable instead of registering', async () => {
    vi.resetModules();
    vi.stubEnv('DFT_NATIVE_DISABLE', '1');
    try {
      const fresh = await import('./backend.js');
      expect(fresh.registerNativeBackend()).toEqual({ available: false, reason: '@dft/native: disabled by DFT_NATIVE_DISABLE' });
      expect(fresh.nativeStatus().available).toBe(false);
    } finally {
      vi.unstubAllEnvs();
      vi.resetModules();
    }
  });

  it('the install script exits 0 and records why when the build is skipped or fails', () => {
    const pkg = join(dir, 'pkg');
    mkdirSync(join(pkg, 'scripts'), { recursive: true });
    cpSync(join(PKG, 'scripts', 'build-addon.cjs'), join(pkg, 'scripts', 'build-addon.cjs'));
    const run = (env: Record<string, string>) => {
      const r = spawnSync(process.execPath, [join(pkg, 'scripts', 'build-addon.cjs')], { encoding: 'utf8', env: { ...process.env, ...env } });
      return { status: r.status, stderr: r.stderr, recorded: JSON.parse(readFileSync(join(pkg, 'build', 'status.json'), 'utf8')) };
    };
    const skipped = run({ DFT_NATIVE_SKIP_BUILD: '1' });
    expect(skipped.status).toBe(0);
    expect(skipped.recorded).toMatchObject({ ok: false, reason: 'build skipped (DFT_NATIVE_SKIP_BUILD is set)' });
    // No binding.gyp: node-gyp fails, the script still succeeds and says so in one line.
    const failed = run({});
    expect(failed.status).toBe(0);
    expect(failed.recorded.ok).toBe(false);
    expect(failed.recorded.reason).toMatch(/^the addon did not build: node-gyp exited with/);
    expect(failed.stderr).toMatch(/@dft\/native: the addon did not build.*the native backend will be unavailable/);
  });

  it('the real addon path is inside this package', () => {
    expect(ADDON_PATH.startsWith(PKG)).toBe(true);
  });
});
