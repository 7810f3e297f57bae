import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { mpirunUnavailable, rankResultsDir, runMpirun, type MpirunResult } from '@dft/mpi/test-utils';

/** MPI ranks run the compiled package under mpirun: why they cannot here (no build, no mpirun, no addon), or null. */
export const MPI_UNAVAILABLE: string | null = existsSync(fileURLToPath(new URL('../../dist/distributed/mpi-communicator.js', import.meta.url)))
  ? mpirunUnavailable()
  : 'packages/core/dist is missing (run pnpm build)';

/**
 * Runs a rank script of `distributed/test-fixtures` (one that calls `runRank`) on `np` ranks with `data`, buckets of
 * `bucket` floats, and returns mpirun's result with each rank's report (none when the job failed before them).
 */
export async function mpiJob<T>(np: number, script: string, data: unknown = {}, bucket = 1 << 20): Promise<MpirunResult & { ranks: T[] }> {
  const results = rankResultsDir();
  try {
    const env = { DFT_TEST_RESULTS: results.dir, DFT_TEST_DATA: JSON.stringify(data), DFT_TEST_BUCKET: String(bucket), DFT_NATIVE_THREADS: '1' };
    const command = [process.execPath, fileURLToPath(new URL(`../distributed/test-fixtures/${script}`, import.meta.url))];
    const run = await runMpirun({ np, command, env, timeoutMs: 120_000 });
    return { ...run, ranks: results.read<T>() };
  } finally {
    results.remove();
  }
}

/** Largest |a − b| over lists of equally long arrays. */
export function maxAbsDiff(a: ArrayLike<number>[], b: ArrayLike<number>[]): number {
  if (a.length !== b.length) throw new Error(`maxAbsDiff: ${a.length} arrays vs ${b.length}`);
  let worst = 0;
  a.forEach((w, i) => {
    if (w.length !== b[i]!.length) throw new Error(`maxAbsDiff: array ${i} has ${w.length} elements vs ${b[i]!.length}`);
    for (let j = 0; j < w.length; j++) worst = Math.max(worst, Math.abs(w[j]! - b[i]![j]!));
  });
  return worst;
}
