import { describe, expect, it } from 'vitest';
import { announcedWorldSize, isMpiLaunch } from './launch-env.js';

describe('isMpiLaunch', () => {
  it('recognises Open MPI, PMIx (srun --mpi=pmix), PMI (Hydra, srun --mpi=pmi2) and MVAPICH launches', () => {
    expect(isMpiLaunch({ OMPI_COMM_WORLD_SIZE: '2', OMPI_COMM_WORLD_RANK: '0' })).toBe(true);
    expect(isMpiLaunch({ PMIX_RANK: '3' })).toBe(true);
    expect(isMpiLaunch({ PMI_SIZE: '4', PMI_RANK: '1' })).toBe(true);
    expect(isMpiLaunch({ MPI_LOCALNRANKS: '2' })).toBe(true);
    expect(isMpiLaunch({ MV2_COMM_WORLD_SIZE: '2' })).toBe(true);
  });

  it('is false for a plain process, and for Slurm without an MPI plugin', () => {
    expect(isMpiLaunch({ PATH: '/usr/bin', HOME: '/root' })).toBe(false);
    expect(isMpiLaunch({ SLURM_PROCID: '0', SLURM_NTASKS: '2' })).toBe(false);
    expect(isMpiLaunch({ OMPI_COMM_WORLD_SIZE: '' })).toBe(false);
  });
});

describe('announcedWorldSize', () => {
  it("reads the launcher's world size, or null", () => {
    expect(announcedWorldSize({ OMPI_COMM_WORLD_SIZE: '8' })).toBe(8);
    expect(announcedWorldSize({ PMI_SIZE: '3' })).toBe(3);
    expect(announcedWorldSize({ SLURM_NTASKS: '16' })).toBe(16);
    expect(announcedWorldSize({ PMIX_RANK: '0' })).toBe(null);
    expect(announcedWorldSize({ OMPI_COMM_WORLD_SIZE: 'two' })).toBe(null);
  });
});
