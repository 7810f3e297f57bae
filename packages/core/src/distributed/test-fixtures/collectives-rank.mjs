// One rank of the MPI communicator test: arrays of 5, 0 and 6 elements, element i of rank r holding (r + 1)·(i + 1).
// allReduceMean and reduceScatter weigh rank r by r + 1; then each rank fills its shard with 100·r + i and
// allgathers; rank 1's values are broadcast last. Each rank reports what it ends with.
import { runRank } from './mpi-rank.mjs';

const SIZES = [5, 0, 6];
const fill = (f) => {
  let i = 0;
  return SIZES.map((n) => Float32Array.from({ length: n }, () => f(i++)));
};
const plain = (arrays) => arrays.map((a) => Array.from(a));

await runRank(async (comm) => {
  const { rank, worldSize } = comm;
  const mean = fill((i) => (rank + 1) * (i + 1));
  await comm.allReduceMean(mean, rank + 1);
  const reduced = fill((i) => (rank + 1) * (i + 1));
  await comm.reduceScatter(reduced, rank + 1);
  const gathered = fill(() => -1);
  const per = Math.ceil(11 / worldSize);
  let i = 0;
  for (const a of gathered) for (let j = 0; j < a.length; j++, i++) if (Math.floor(i / per) === rank) a[j] = 100 * rank + i;
  await comm.allgather(gathered);
  const broadcast = fill((i) => rank * 1000 + i);
  await comm.broadcast(broadcast, 1);
  await comm.barrier();
  const weightless = [Float32Array.of(1)];
  const zero = await comm.allReduceMean(weightless, 0).then(() => 'resolved', (e) => e.message);
  return { rank, mean: plain(mean), reduced: plain(reduced), gathered: plain(gathered), broadcast: plain(broadcast), zero };
});
