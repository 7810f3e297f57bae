import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { MpiCommunicator, type TrainingConfig } from '@dft/core';
import { loadMpi } from '@dft/mpi';
import { gpuOf, usesTensorflow } from './rank-gpu.js';

/** Where `dft train --workers N` asks each rank to record its process id (so that it can signal the ranks). */
export const RANK_PIDS_VARIABLE = 'DFT_RANK_PIDS_DIR';

export interface MpiRank {
  comm: MpiCommunicator;
  /** "rank r of N on host", for messages. */
  name: string;
  host: string;
  /** The MPI library, as it names itself. */
  library: string;
  localRank: number;
  localSize: number;
}

/** Joins the MPI world this process was started in (by mpirun, srun or the MPI Operator). */
export function joinMpiWorld(): MpiRank {
  const r = loadMpi();
  if (!r.ok) throw new Error(`dft train was started by an MPI launcher, but MPI cannot be used: ${r.reason}`);
  const { mpi } = r;
  const pids = process.env[RANK_PIDS_VARIABLE];
  if (pids) writeFileSync(join(pids, `rank-${mpi.rank}.pid`), String(process.pid));
  return {
    comm: new MpiCommunicator(mpi),
    name: `rank ${mpi.rank} of ${mpi.size} on ${mpi.processorName}`,
    host: mpi.processorName,
    library: mpi.library,
    localRank: mpi.localRank,
    localSize: mpi.localSize,
  };
}

/** With the tensorflow backend, each rank sees one GPU, chosen by its rank on its host, before tensorflow starts. */
export function pinGpu(c: TrainingConfig, world: MpiRank): void {
  if (usesTensorflow(c)) process.env.CUDA_VISIBLE_DEVICES = gpuOf(world.localRank, world.localSize);
}
