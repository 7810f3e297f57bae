// Rank entry of the reduce-scatter / allgather test: arrays of 5, 0 and 6 elements, element i of rank r holding
// (r + 1)·(i + 1), reduce-scattered with weight r + 1; then each rank fills its shard with 100·r + i and allgathers.
// Each rank sends what it ends with.
export default async function run({ comm, rank, send }) {
  const sizes = [5, 0, 6];
  const fill = (f) => {
    let i = 0;
    return sizes.map((n) => Float32Array.from({ length: n }, () => f(i++)));
  };
  const reduced = fill((i) => (rank + 1) * (i + 1));
  await comm.reduceScatter(reduced, rank + 1);
  const gathered = fill(() => -1);
  const per = Math.ceil(11 / comm.worldSize);
  let i = 0;
  for (const a of gathered) for (let j = 0; j < a.length; j++, i++) if (Math.floor(i / per) === rank) a[j] = 100 * rank + i;
  await comm.allgather(gathered);
  send({ rank, reduced: reduced.map((a) => Array.from(a)), gathered: gathered.map((a) => Array.from(a)) });
}
