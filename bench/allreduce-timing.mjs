// The timing loop shared by both transports of bench/mpi-allreduce.mjs: for each size, one untimed warm-up, then
// `reps` timed allreduces of a float32 array, each started together on every rank (a barrier first). Returns
// rank-local medians in seconds; the caller reports rank 0's.
export const SIZES_MB = [4, 40, 80];

export async function timeAllreduce({ sizesMB = SIZES_MB, reps, allreduce, barrier }) {
  const rows = [];
  for (const mb of sizesMB) {
    const data = new Float32Array((mb * 1e6) / 4).fill(1);
    await allreduce(data);
    const seconds = [];
    for (let i = 0; i < reps; i++) {
      await barrier();
      const t = performance.now();
      await allreduce(data);
      seconds.push((performance.now() - t) / 1000);
    }
    seconds.sort((a, b) => a - b);
    rows.push({ mb, medianS: seconds[Math.floor(seconds.length / 2)], minS: seconds[0] });
  }
  return rows;
}
