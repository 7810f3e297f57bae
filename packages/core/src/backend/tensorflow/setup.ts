import { existsSync, statSync } from 'node:fs';
import { buildTfjsNode } from './build-tfjs-node.js';
import type { TfjsNodePackage } from './location.js';
import { smokeTest } from './smoke-test.js';
import { unpackWheel } from './unpack-wheel.js';
import { checkWheelName } from './wheel.js';

export interface SetupTensorflowOptions {
  /** A `tensorflow` or `tensorflow_cpu` wheel for this host (the C library and headers come from it). */
  wheel: string;
  /** Build `@tensorflow/tfjs-node-gpu` (needs the CUDA build, the `tensorflow` wheel). */
  gpu?: boolean;
  log?: (line: string) => void;
}

export interface SetupTensorflowResult {
  pkg: TfjsNodePackage;
  dir: string;
  libtensorflow: string;
  /** What the backend reported when it started, e.g. `@tensorflow/tfjs-node, TensorFlow 2.21.0, CPU`. */
  backend: string;
  /** Largest relative difference from the cpu backend, per smoke-test case. */
  smoke: Record<string, number>;
}

/**
 * `pnpm setup:tensorflow`: checks the wheel, unpacks its C library into the cache, builds tfjs-node against it and
 * runs a smoke test against the cpu backend. Every step is skipped when its result is already there.
 */
export async function setupTensorflow(o: SetupTensorflowOptions): Promise<SetupTensorflowResult> {
  const log = o.log ?? ((line: string) => process.stderr.write(line + '\n'));
  if (!existsSync(o.wheel) || !statSync(o.wheel).isFile()) throw new Error(`no such wheel: ${o.wheel}`);
  const wheel = checkWheelName(o.wheel, { platform: process.platform, arch: process.arch, gpu: Boolean(o.gpu) });
  const pkg: TfjsNodePackage = o.gpu ? '@tensorflow/tfjs-node-gpu' : '@tensorflow/tfjs-node';
  const tf = unpackWheel(wheel, log);
  const dir = buildTfjsNode(pkg, tf, log);
  const smoke = await smokeTest();
  log(`smoke test passed: ${smoke.line.replace(/^dft: /, '')}; largest difference from cpu ${Math.max(...Object.values(smoke.worst)).toExponential(1)}`);
  return { pkg, dir, libtensorflow: tf.dir, backend: smoke.line, smoke: smoke.worst };
}
