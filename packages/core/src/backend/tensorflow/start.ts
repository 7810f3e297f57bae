import * as tf from '@tensorflow/tfjs-core';
import { registerBatchMatMulGrad } from '../batch-mat-mul-grad.js';
import { findTfjsNode, loadTfjsNode } from './location.js';

export const TENSORFLOW_HINT =
  'build it with `pnpm setup:tensorflow --wheel <tensorflow or tensorflow-cpu wheel>`, or install @tensorflow/tfjs with @tensorflow/tfjs-node(-gpu)';

/** What tfjs-node's backend object tells about itself (not part of tfjs-core's KernelBackend type). */
interface TensorflowBackend {
  isUsingGpuDevice?: boolean;
  binding?: { TF_Version?: string };
}

/**
 * Starts the `tensorflow` backend when tfjs-node is there. Chosen automatically only in its GPU build; the CPU build
 * runs when named. Returns the line that says what runs (package, TensorFlow version, device, and the
 * CUDA_VISIBLE_DEVICES a rank process was given), or null when it is not available.
 */
export async function startTensorflow(wanted: boolean): Promise<string | null> {
  const install = findTfjsNode();
  if (!install || (!wanted && !install.gpu)) return null;
  loadTfjsNode(install);
  // tfjs-node loads the @tensorflow/tfjs union, which registers all of tfjs-core's gradients again: put back ours
  // (broadcast batch axes reduced), or a product of a batched tensor with a shared matrix gets a wrong-shaped grad.
  registerBatchMatMulGrad();
  if (!(await tf.setBackend('tensorflow'))) return null;
  const backend = tf.backend() as unknown as TensorflowBackend;
  const device = backend.isUsingGpuDevice ? 'GPU' : 'CPU';
  const visible = process.env.CUDA_VISIBLE_DEVICES;
  const version = backend.binding?.TF_Version ?? 'unknown';
  return `${install.pkg}, TensorFlow ${version}, ${device}${visible !== undefined ? `, CUDA_VISIBLE_DEVICES=${visible}` : ''}`;
}
