export { mpirunUnavailable, mpirunArgs, runMpirun, rankResultsDir } from './mpirun.js';
export type { MpirunOptions, MpirunResult } from './mpirun.js';
