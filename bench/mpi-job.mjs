// Runs bench/parallel-rank.mjs on N MPI ranks (`mpirun -np N` on this host, as `dft train --workers N` starts them)
// and returns rank 0's timings.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { mpirunArgs } from '@dft/mpi/test-utils';

const entry = fileURLToPath(new URL('./parallel-rank.mjs', import.meta.url));

/** `data`: { backend, steps, warmup, zeroStage? }. */
export function trainOnRanks(workers, data) {
  const tmp = mkdtempSync(join(os.tmpdir(), 'dft-bench-ranks-'));
  try {
    // The native backend's BLAS gets each rank's share of the cores (as `dft train --workers` does).
    const env = { BENCH_OUT: join(tmp, 'rank0.json'), BENCH_DATA: JSON.stringify(data), DFT_NATIVE_THREADS: String(Math.max(1, Math.floor(os.availableParallelism() / workers))) };
    const r = spawnSync('mpirun', mpirunArgs({ np: workers, env, options: ['--bind-to', 'none'], command: [process.execPath, entry] }), { env: { ...process.env, ...env }, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`mpirun -np ${workers} failed (${r.status}):\n${r.stdout}\n${r.stderr}`);
    return JSON.parse(readFileSync(env.BENCH_OUT, 'utf8'));
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
