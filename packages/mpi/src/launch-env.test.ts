import { describe, expect, it } from 'vitest';
import { announcedWorldSize, isMpiLaunch } from './launch-env.js';

describe('isMpiLaunch', () => {
  it('recognises Open MPI, PMIx (srun --mpi=pmix), PMI (Hydra, srun --mpi=pmi2) and MVAPICH launches', () => {
    expect(isMpiLaunch({ OMPI_COMM_WORLD_SIZE: '2', OMPI_COMM_WORLD_RANK: '0' })).toBe(true);
    expect(isMpiLaunch({ PMIX_RANK: '3' })).toBe(true);
    expect(isMpiLaunch({ PMI_SIZE: '4', PMI_RANK: '1' })).toBe(true);
    expect(isMpiLaunch({ MPI_LOCALNRANKS: '2' })).toBe(true);
    expect(isMpiLaunch({ MV2_COMM_WORLD_SIZE: '2' })).toBe(true);
    // srun without an MPI plugin: still a launch of several ranks (loadMpi then reports the mismatch).
    expect(isMpiLaunch({ SLURM_PROCID: '1', SLURM_STEP_NUM_TASKS: '4', SLURM_NTASKS: '4' })).toBe(true);
  });

  it("is false for a plain process, a Slurm batch script's own process and a one-task srun step", () => {
    expect(isMpiLaunch({ PATH: '/usr/bin', HOME: '/root' })).toBe(false);
    expect(isMpiLaunch({ SLURM_JOB_ID: '7', SLURM_PROCID: '0', SLURM_NTASKS: '16' })).toBe(false);
    expect(isMpiLaunch({ SLURM_PROCID: '0', SLURM_STEP_NUM_TASKS: '1', SLURM_NTASKS: '16' })).toBe(false);
    expect(isMpiLaunch({ OMPI_COMM_WORLD_SIZE: '' })).toBe(false);
  });
});

describe('announcedWorldSize', () => {
  it("reads the launcher's world size, or null", () => {
    expect(announcedWorldSize({ OMPI_COMM_WORLD_SIZE: '8' })).toBe(8);
    expect(announcedWorldSize({ PMI_SIZE: '3' })).toBe(3);
    expect(announcedWorldSize({ SLURM_STEP_NUM_TASKS: '16', SLURM_NTASKS: '32' })).toBe(16);
    expect(announcedWorldSize({ SLURM_NTASKS: '16' })).toBe(null);
    expect(announcedWorldSize({ PMIX_RANK: '0' })).toBe(null);
    expect(announcedWorldSize({ OMPI_COMM_WORLD_SIZE: 'two' })).toBe(null);
  });
});
