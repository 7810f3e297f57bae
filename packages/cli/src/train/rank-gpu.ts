import { findTfjsNode } from '@dft/core/internal';
import type { TrainingConfig } from '@dft/core';

/** Whether the run's backend is tensorflow: named, or (as selectBackend picks its GPU build first) found. */
export function usesTensorflow(c: Pick<TrainingConfig, 'backend'>): boolean {
  const named = c.backend ?? process.env.DFT_BACKEND;
  if (named) return named === 'tensorflow';
  return findTfjsNode()?.gpu === true;
}

/**
 * The GPU of the rank with `localRank` among `localSize` ranks on its host: the localRank-th entry of the host's
 * CUDA_VISIBLE_DEVICES (GPUs 0..localSize-1 when it is unset), so that each rank's process sees exactly one device.
 * Under Slurm's `--gpus-per-task` (SLURM_GPUS_PER_TASK set), Slurm has already given each task its own
 * CUDA_VISIBLE_DEVICES: the rank keeps the first device of its list.
 */
export function gpuOf(
  localRank: number,
  localSize: number,
  visible = process.env.CUDA_VISIBLE_DEVICES,
  gpusPerTask = process.env.SLURM_GPUS_PER_TASK,
): string {
  const listed = visible !== undefined && visible.trim() !== '' ? visible.split(',').map((d) => d.trim()) : undefined;
  if (gpusPerTask !== undefined && gpusPerTask.trim() !== '') {
    if (!listed) throw new Error(`Slurm gave each task ${gpusPerTask} GPU(s) (SLURM_GPUS_PER_TASK), but CUDA_VISIBLE_DEVICES is unset for rank ${localRank}`);
    return listed[0]!;
  }
  const devices = listed ?? Array.from({ length: localSize }, (_, i) => String(i));
  if (devices.length < localSize) throw new Error(`${localSize} ranks on this host need ${localSize} GPUs, but CUDA_VISIBLE_DEVICES lists ${devices.length} (${visible})`);
  return devices[localRank]!;
}
