// Data-parallel benchmark: training tokens/s of the benchmark model of docs/design.md (19.5 M params, batch 4 × 128 per
// rank) with 1 and 2 MPI ranks (`mpirun -np N`, as `dft train --workers N` starts them on one host) on the wasm and
// native backends. Usage: node bench/parallel.mjs [--workers 1,2] [--steps N] [--warmup N] [--backends wasm,native]
import os from 'node:os';
import { Worker } from 'node:worker_threads';
import { availableBackends } from '@dft/core';
import { mpirunUnavailable } from '@dft/mpi/test-utils';
import { BENCH_BATCH, BENCH_SEQ } from './bench-config.mjs';
import { trainOnRanks } from './mpi-job.mjs';
import { printTable, writeResults } from './results-io.mjs';

const args = process.argv.slice(2);
const opt = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
};
const counts = opt('workers', '1,2').split(',').map(Number);
const steps = Number(opt('steps', '4'));
const warmup = Number(opt('warmup', '1'));

const load = () => os.loadavg().map((x) => Number(x.toFixed(2)));

/**
 * How much a second thread adds right now, for pure CPU work (other jobs share this machine): the work rate of
 * 2 spinning threads over that of 1. ~2 on an idle 2-core machine; the training speedup cannot exceed it.
 */
async function cpuScaling() {
  const spin = 'let x = 0; for (let i = 0; i < 1e8; i++) x = (x + i * 1.0000001) % 1e6; if (x < 0) console.log(x);';
  const time = async (n) => {
    const t = performance.now();
    await Promise.all(Array.from({ length: n }, () => new Promise((r) => new Worker(spin, { eval: true }).on('exit', r))));
    return performance.now() - t;
  };
  const one = await time(1);
  const two = await time(2);
  return (2 * one) / two;
}
const unavailable = mpirunUnavailable();
if (unavailable) {
  console.log(`data-parallel bench skipped: ${unavailable}`);
  process.exit(0);
}
const backends = opt('backends', 'wasm,native').split(',').filter((b) => availableBackends().includes(b));
const rows = [];
let params = 0;
let library = null;
const loadBefore = load();
const scalingBefore = await cpuScaling();
for (const backend of backends) {
  const first = rows.length;
  for (const workers of counts) {
    const r = trainOnRanks(workers, { backend, steps, warmup });
    const tokPerS = (r.tokensPerStep * steps) / r.seconds;
    params = r.params;
    library = r.library;
    rows.push({
      ranks: workers,
      backend,
      batchPerRank: `${BENCH_BATCH}x${BENCH_SEQ}`,
      globalBatch: workers * BENCH_BATCH,
      stepS: r.seconds / steps,
      allReduceMsPerStep: r.reduceMs / steps,
      trainTokPerS: tokPerS,
      speedup: rows.length > first ? tokPerS / rows[first].trainTokPerS : 1,
      load1m: load()[0],
    });
  }
}
const loadAfter = load();
const scalingAfter = await cpuScaling();
const cpu = `2-thread CPU scaling ${scalingBefore.toFixed(2)}x before, ${scalingAfter.toFixed(2)}x after`;
printTable(`data-parallel training on MPI ranks, ${steps} timed steps after ${warmup} warm-up (load average before ${loadBefore.join(' ')}, after ${loadAfter.join(' ')}; ${cpu}; ${os.cpus().length} cores)`, rows);
const file = writeResults('parallel', rows, { params, steps, warmup, library, loadBefore, loadAfter, cpuScalingBefore: scalingBefore, cpuScalingAfter: scalingAfter });
console.log(`\nwrote ${file}`);
