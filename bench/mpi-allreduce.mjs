// Allreduce bandwidth between 2 ranks on this host at 4, 40 and 80 MB of float32: Open MPI through @dft/mpi
// (`mpirun -np 2`, shared memory). MB/s = the array's size / the median time of one allreduce on rank 0. (The
// unix-socket reduce hub it was compared with is gone from @dft/core; its last numbers stay in the README.)
// Usage: node bench/mpi-allreduce.mjs [--reps N]
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { mpirunArgs, mpirunUnavailable } from '@dft/mpi/test-utils';
import { printTable, writeResults } from './results-io.mjs';

const args = process.argv.slice(2);
const reps = Number(args.includes('--reps') ? args[args.indexOf('--reps') + 1] : 5);
const here = dirname(fileURLToPath(import.meta.url));
const loadBefore = os.loadavg()[0];
const rows = [];
const notes = [];
const row = (transport, r) => ({ transport, ranks: 2, MB: r.mb, medianS: r.medianS, minS: r.minS, MBps: r.mb / r.medianS });

const unavailable = mpirunUnavailable();
let library = null;
if (unavailable) notes.push(`MPI skipped: ${unavailable}`);
else {
  const tmp = mkdtempSync(join(os.tmpdir(), 'dft-bench-mpi-'));
  const out = join(tmp, 'rank0.json');
  const env = { BENCH_OUT: out, BENCH_REPS: String(reps) };
  const r = spawnSync('mpirun', mpirunArgs({ np: 2, env, command: [process.execPath, join(here, 'mpi-allreduce-rank.mjs')] }), {
    env: { ...process.env, ...env },
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`mpirun failed (${r.status}):\n${r.stdout}\n${r.stderr}`);
  const result = JSON.parse(readFileSync(out, 'utf8'));
  rmSync(tmp, { recursive: true, force: true });
  library = result.library;
  for (const x of result.rows) rows.push(row('MPI (@dft/mpi)', x));
}

const loadAfter = os.loadavg()[0];
printTable(`allreduce of float32 between 2 ranks on one host, median of ${reps} (load average ${loadBefore.toFixed(2)} before, ${loadAfter.toFixed(2)} after; ${os.cpus().length} cores)`, rows);
for (const n of notes) console.log(n);
const file = writeResults('mpi-allreduce', rows, { reps, library, loadBefore, loadAfter, notes });
console.log(`\nwrote ${file}`);
