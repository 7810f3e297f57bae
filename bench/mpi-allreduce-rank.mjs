// One rank of bench/mpi-allreduce.mjs under mpirun: times @dft/mpi's allreduceSum; rank 0 writes its medians as
// JSON to the file named by the environment's BENCH_OUT.
import { writeFileSync } from 'node:fs';
import { loadMpi } from '@dft/mpi';
import { timeAllreduce } from './allreduce-timing.mjs';

const loaded = loadMpi();
if (!loaded.ok) throw new Error(loaded.reason);
const { mpi } = loaded;
const rows = await timeAllreduce({
  reps: Number(process.env.BENCH_REPS),
  allreduce: (data) => mpi.allreduceSum(data),
  barrier: () => mpi.barrier(),
});
if (mpi.rank === 0) writeFileSync(process.env.BENCH_OUT, JSON.stringify({ library: mpi.library, size: mpi.size, rows }));
