import { basename } from 'node:path';

/** What a TensorFlow wheel's file name says (PEP 427: name-version(-build)-python-abi-platform.whl). */
export interface TensorflowWheel {
  file: string;
  /** `tensorflow` (CUDA kernels included on Linux x86-64) or `tensorflow_cpu`. */
  project: string;
  version: string;
  gpu: boolean;
  pythonTag: string;
  platformTags: string[];
}

/** Wheel platform tags' names for the machines Node reports. */
const WHEEL_ARCH: Record<string, string> = { x64: 'x86_64', arm64: 'aarch64' };
const PROJECTS: Record<string, { gpu: boolean }> = { tensorflow: { gpu: true }, tensorflow_cpu: { gpu: false } };

/**
 * Reads and checks a TensorFlow wheel's name against this host: a CPython binary wheel (pure-Python ones carry no C
 * library) for manylinux on this CPU, and the CUDA build when `gpu` is asked for.
 */
export function checkWheelName(file: string, host: { platform: string; arch: string; gpu: boolean }): TensorflowWheel {
  const name = basename(file);
  const parts = name.endsWith('.whl') ? name.slice(0, -4).split('-') : [];
  if (parts.length !== 5 && parts.length !== 6) throw new Error(`${file}: not a wheel file name (expected name-version-python-abi-platform.whl)`);
  const [rawProject, version] = parts;
  const [pythonTag, , platform] = parts.slice(-3);
  const project = rawProject!.toLowerCase().replace(/[-.]+/g, '_');
  const kind = PROJECTS[project];
  if (!kind) throw new Error(`${file}: a "${rawProject}" wheel, expected tensorflow or tensorflow_cpu`);
  if (!/^cp\d+$/.test(pythonTag!)) throw new Error(`${file}: Python tag "${pythonTag}" is not a CPython binary wheel, so it carries no TensorFlow C library`);
  if (host.platform !== 'linux') throw new Error(`${file}: building the tensorflow backend from a wheel is supported on Linux only (this host: ${host.platform})`);
  const arch = WHEEL_ARCH[host.arch];
  const platformTags = platform!.split('.');
  if (!arch || !platformTags.some((t) => t.startsWith('manylinux') && t.endsWith(`_${arch}`))) {
    throw new Error(`${file}: built for ${platformTags.join(', ')}, this host needs manylinux_*_${arch ?? host.arch}`);
  }
  if (host.gpu && !kind.gpu) throw new Error(`${file}: --gpu needs the CUDA build of TensorFlow (the "tensorflow" wheel); ${rawProject} has CPU kernels only`);
  return { file, project, version: version!, gpu: kind.gpu, pythonTag: pythonTag!, platformTags };
}
