import { describe, expect, it } from 'vitest';
import { checkWheelName } from './wheel.js';

const LINUX = { platform: 'linux', arch: 'x64', gpu: false };

describe('checkWheelName', () => {
  it('reads project, version, variant and tags of the CPU and CUDA wheels', () => {
    expect(checkWheelName('/opt/pypi/files/tensorflow_cpu-2.21.0-cp311-cp311-manylinux_2_27_x86_64.whl', LINUX)).toEqual({
      file: '/opt/pypi/files/tensorflow_cpu-2.21.0-cp311-cp311-manylinux_2_27_x86_64.whl',
      project: 'tensorflow_cpu',
      version: '2.21.0',
      gpu: false,
      pythonTag: 'cp311',
      platformTags: ['manylinux_2_27_x86_64'],
    });
    const gpu = checkWheelName('tensorflow-2.21.0-cp312-cp312-manylinux2014_x86_64.manylinux_2_17_x86_64.whl', { ...LINUX, gpu: true });
    expect([gpu.project, gpu.gpu, gpu.platformTags]).toEqual(['tensorflow', true, ['manylinux2014_x86_64', 'manylinux_2_17_x86_64']]);
    expect(checkWheelName('tensorflow_cpu-2.21.0-1-cp311-cp311-manylinux_2_27_aarch64.whl', { ...LINUX, arch: 'arm64' }).version).toBe('2.21.0');
  });

  it.each([
    ['tensorflow_cpu-2.21.0.tar.gz', LINUX, 'not a wheel file name'],
    ['numpy-2.1.0-cp311-cp311-manylinux_2_17_x86_64.whl', LINUX, 'a "numpy" wheel, expected tensorflow or tensorflow_cpu'],
    ['tensorflow_cpu-2.21.0-py3-none-any.whl', LINUX, 'Python tag "py3" is not a CPython binary wheel'],
    ['tensorflow_cpu-2.21.0-cp311-cp311-macosx_12_0_arm64.whl', LINUX, 'built for macosx_12_0_arm64, this host needs manylinux_*_x86_64'],
    ['tensorflow_cpu-2.21.0-cp311-cp311-manylinux_2_27_aarch64.whl', LINUX, 'built for manylinux_2_27_aarch64, this host needs manylinux_*_x86_64'],
    ['tensorflow_cpu-2.21.0-cp311-cp311-win_amd64.whl', { ...LINUX, platform: 'win32' }, 'building the tensorflow backend from a wheel is supported on Linux only (this host: win32)'],
    ['tensorflow_cpu-2.21.0-cp311-cp311-manylinux_2_27_x86_64.whl', { ...LINUX, gpu: true }, '--gpu needs the CUDA build of TensorFlow'],
  ])('refuses %s', (file, host, message) => {
    expect(() => checkWheelName(`/w/${file}`, host)).toThrow(`/w/${file}: ${message}`);
  });
});
