import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import { findTfjsNode, launchWorkers, listCheckpoints, resolveCheckpoint, resolveCompiledModule, type ParallelMode } from '@dft/core';
import type { TrainConfig } from './config.js';
import { showProgress, type ProgressEvent } from './parallel-progress.js';
import type { Progress } from './progress.js';
import { trainFile, type TrainJobResult } from './train-job.js';
import type { RankJob } from './worker-entry.js';

/** Whether the run's backend is tensorflow: named, or (as selectBackend picks its GPU build first) found. */
function usesTensorflow(c: TrainConfig): boolean {
  const named = c.backend ?? process.env.DFT_BACKEND;
  if (named) return named === 'tensorflow';
  return findTfjsNode()?.gpu === true;
}

/** `auto`: one process per GPU with tensorflow; worker threads sharing memory on cpu/wasm. */
export function parallelMode(c: TrainConfig): ParallelMode {
  return c.parallel === 'auto' ? (usesTensorflow(c) ? 'processes' : 'threads') : c.parallel;
}

/**
 * The GPU of each rank's process: the i-th of the coordinator's CUDA_VISIBLE_DEVICES (all GPUs 0..N-1 when it
 * is unset), so that each process sees exactly one device.
 */
export function gpuOf(rank: number, workers: number, visible = process.env.CUDA_VISIBLE_DEVICES): string {
  const devices = visible !== undefined && visible.trim() !== '' ? visible.split(',').map((d) => d.trim()) : Array.from({ length: workers }, (_, i) => String(i));
  if (devices.length < workers) throw new Error(`--workers ${workers} needs ${workers} GPUs, but CUDA_VISIBLE_DEVICES lists ${devices.length} (${visible})`);
  return devices[rank]!;
}

/**
 * `dft train --workers N`: prepares raw data once, starts N ranks (each the ordinary training job as a replica,
 * see worker-entry.ts), shows rank 0's progress, forwards SIGINT/SIGTERM to rank 0, and returns rank 0's result.
 * A rank that fails stops them all; the error names it and the last checkpoint, which stays valid.
 */
export async function runParallelTrainJob(config: TrainConfig, progress: Progress): Promise<TrainJobResult> {
  const out = resolve(config.out);
  const checkpointDir = config.resumeFrom ? resolveCheckpoint(config.resumeFrom, out) : null;
  const tokenizerDir = existsSync(join(config.model, 'tokenizer.json')) ? config.model : checkpointDir ?? config.model;
  // Every rank opens the same prepared file; raw sources are prepared here, once.
  const c: TrainConfig = { ...config, data: await trainFile(config, tokenizerDir, progress) };
  const mode = parallelMode(c);
  const gpus = mode === 'processes' && usesTensorflow(c);
  const perWorker = c.microBatch / c.workers;
  progress.message(`dft train: ${c.workers} workers (${mode}${gpus ? ', one GPU each' : ''}), each forward pass of ${c.microBatch} examples split ${perWorker} per worker`);
  const gpuList = gpus ? Array.from({ length: c.workers }, (_, r) => gpuOf(r, c.workers)) : null;
  // The native backend's BLAS would use every core in every worker: give each worker its share instead.
  const blasThreads = process.env.DFT_NATIVE_THREADS || String(Math.max(1, Math.floor(availableParallelism() / c.workers)));
  const show = showProgress(progress);
  const group = await launchWorkers({
    mode,
    workers: c.workers,
    entry: resolveCompiledModule(import.meta.url, './worker-entry.js'),
    data: { config: c } satisfies RankJob,
    env: (rank): Record<string, string> => ({ DFT_NATIVE_THREADS: blasThreads, ...(gpuList ? { CUDA_VISIBLE_DEVICES: gpuList[rank]! } : {}) }),
    onMessage: (rank, m) => rank === 0 && show(m as ProgressEvent),
  });
  if (mode === 'processes') progress.message(`worker processes: ${group.pids.map((pid, r) => `rank ${r} pid ${pid}${gpuList ? ` (GPU ${gpuList[r]})` : ''}`).join(', ')}`);
  const forward = (signal: 'SIGINT' | 'SIGTERM') => () => group.signal(signal);
  const onInt = forward('SIGINT');
  const onTerm = forward('SIGTERM');
  process.on('SIGINT', onInt);
  process.on('SIGTERM', onTerm);
  try {
    return (await group.done) as TrainJobResult;
  } catch (e) {
    show({ kind: 'end' });
    const message = (e as Error).message;
    const kept = listCheckpoints(out).pop();
    if (kept && message.includes(kept)) throw e;
    throw new Error(`${message}; ${kept ? `the last checkpoint is ${kept}` : 'no checkpoint was saved'}`);
  } finally {
    process.off('SIGINT', onInt);
    process.off('SIGTERM', onTerm);
  }
}
