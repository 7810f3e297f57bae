import { findTfjsNode } from '@dft/core/internal';
import type { TrainConfig } from './config.js';

/** Whether the run's backend is tensorflow: named, or (as selectBackend picks its GPU build first) found. */
export function usesTensorflow(c: Pick<TrainConfig, 'backend'>): boolean {
  const named = c.backend ?? process.env.DFT_BACKEND;
  if (named) return named === 'tensorflow';
  return findTfjsNode()?.gpu === true;
}

/**
 * The GPU of the rank with `localRank` among `localSize` ranks on its host: the localRank-th entry of the host's
 * CUDA_VISIBLE_DEVICES (GPUs 0..localSize-1 when it is unset), so that each rank's process sees exactly one device.
 */
export function gpuOf(localRank: number, localSize: number, visible = process.env.CUDA_VISIBLE_DEVICES): string {
  const devices = visible !== undefined && visible.trim() !== '' ? visible.split(',').map((d) => d.trim()) : Array.from({ length: localSize }, (_, i) => String(i));
  if (devices.length < localSize) throw new Error(`${localSize} ranks on this host need ${localSize} GPUs, but CUDA_VISIBLE_DEVICES lists ${devices.length} (${visible})`);
  return devices[localRank]!;
}
