/**
 * Variables that MPI launchers set in every rank's environment, one per launcher family: Open MPI's mpirun
 * (OMPI_COMM_WORLD_SIZE), PMIx (PMIX_RANK: Open MPI 5, `srun --mpi=pmix`), PMI-1/2 (PMI_SIZE, PMI_RANK: MPICH's
 * Hydra, Intel MPI, `srun --mpi=pmi2`), Hydra's MPI_LOCALNRANKS, and MVAPICH (MV2_COMM_WORLD_SIZE). The Kubernetes
 * MPI Operator runs mpirun in its launcher pod, so its workers see mpirun's variables.
 */
export const MPI_LAUNCH_VARIABLES = ['OMPI_COMM_WORLD_SIZE', 'PMIX_RANK', 'PMI_SIZE', 'PMI_RANK', 'MPI_LOCALNRANKS', 'MV2_COMM_WORLD_SIZE'] as const;

/**
 * True when this process was started by an MPI launcher (read from `env` only: MPI is not initialised). An `srun`
 * step of several tasks counts too (SLURM_STEP_NUM_TASKS > 1) even without an MPI plugin: MPI then sees a world of
 * one and `loadMpi` says so, instead of N independent runs starting. A batch script's own process (no step) or a
 * one-task step is not a launch.
 */
export function isMpiLaunch(env: NodeJS.ProcessEnv = process.env): boolean {
  return MPI_LAUNCH_VARIABLES.some((name) => env[name] !== undefined && env[name] !== '') || Number(env.SLURM_STEP_NUM_TASKS) > 1;
}

/**
 * The world size the launcher announced, when it says one (OMPI_COMM_WORLD_SIZE, PMI_SIZE, MV2_COMM_WORLD_SIZE,
 * or the tasks of an srun step): a world of 1 after MPI_Init where the launcher started more ranks means the MPI
 * library and the launcher do not speak the same protocol (e.g. `srun` without `--mpi=pmix`).
 */
export function announcedWorldSize(env: NodeJS.ProcessEnv = process.env): number | null {
  for (const name of ['OMPI_COMM_WORLD_SIZE', 'PMI_SIZE', 'MV2_COMM_WORLD_SIZE', 'SLURM_STEP_NUM_TASKS']) {
    const n = Number(env[name]);
    if (env[name] && Number.isInteger(n) && n > 0) return n;
  }
  return null;
}
