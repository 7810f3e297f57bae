import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setupTensorflow } from './setup.js';

describe.runIf(process.platform === 'linux' && process.arch === 'x64')('setupTensorflow refuses bad wheels before building anything', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dft-tf-setup-'));
  const cache = join(dir, 'cache');
  const saved = process.env.DFT_CACHE_DIR;
  beforeAll(() => void (process.env.DFT_CACHE_DIR = cache));
  afterAll(() => {
    if (saved === undefined) delete process.env.DFT_CACHE_DIR;
    else process.env.DFT_CACHE_DIR = saved;
    rmSync(dir, { recursive: true, force: true });
  });
  const log = () => {};

  it('names a wheel that does not exist', async () => {
    await expect(setupTensorflow({ wheel: join(dir, 'tensorflow_cpu-2.21.0-cp311-cp311-manylinux_2_27_x86_64.whl'), log })).rejects.toThrow(
      `no such wheel: ${join(dir, 'tensorflow_cpu-2.21.0-cp311-cp311-manylinux_2_27_x86_64.whl')}`,
    );
    expect(existsSync(cache)).toBe(false);
  });

  it('names a wheel for another platform', async () => {
    const wheel = join(dir, 'tensorflow_cpu-2.21.0-cp311-cp311-macosx_12_0_arm64.whl');
    writeFileSync(wheel, 'PK');
    await expect(setupTensorflow({ wheel, log })).rejects.toThrow('built for macosx_12_0_arm64, this host needs manylinux_*_x86_64');
    expect(existsSync(cache)).toBe(false);
  });

  it('names what a wheel without the C library lacks, leaving no half-unpacked folder', async () => {
    // A well-named wheel holding only the C API headers.
    const content = join(dir, 'content');
    mkdirSync(join(content, 'tensorflow', 'include', 'tensorflow', 'c', 'eager'), { recursive: true });
    writeFileSync(join(content, 'tensorflow', 'include', 'tensorflow', 'c', 'c_api.h'), '/* c api */\n');
    writeFileSync(join(content, 'tensorflow', 'include', 'tensorflow', 'c', 'eager', 'c_api.h'), '/* eager c api */\n');
    const wheel = join(dir, 'tensorflow_cpu-9.9.0-cp311-cp311-manylinux_2_27_x86_64.whl');
    execFileSync('python3', ['-m', 'zipfile', '-c', wheel, 'tensorflow'], { cwd: content });
    await expect(setupTensorflow({ wheel, log })).rejects.toThrow(
      `${wheel} does not contain tensorflow/libtensorflow_cc.so.2, tensorflow/libtensorflow_framework.so.2`,
    );
    expect(readdirSync(join(cache, 'libtensorflow'))).toEqual([]);
  });
});
