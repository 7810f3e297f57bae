// One rank of bench/mpi-allreduce.mjs on @dft/core's process group (launchWorkers, mode processes): times the
// unix-socket reduce hub's allReduceMean; rank 0's medians are the group's result.
import { timeAllreduce } from './allreduce-timing.mjs';

export default async function run({ comm, data }) {
  return timeAllreduce({ reps: data.reps, allreduce: (a) => comm.allReduceMean([a]), barrier: () => comm.barrier() });
}
