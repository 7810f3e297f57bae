// Data-parallel benchmark (issue 5): training tokens/s of the benchmark model of docs/design.md (19.5 M params, batch 4 × 128 per
// worker) with 1 and 2 worker threads on the wasm backend, i.e. `dft train --workers N` on one host.
// Usage: node bench/parallel.mjs [--workers 1,2] [--steps N] [--warmup N] [--mode threads|processes] [--backend wasm|native|cpu]
import os from 'node:os';
import { Worker } from 'node:worker_threads';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchWorkers } from '@dft/core';
import { BENCH_BATCH, BENCH_SEQ } from './bench-config.mjs';
import { printTable, writeResults } from './results-io.mjs';

const args = process.argv.slice(2);
const opt = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
};
const counts = opt('workers', '1,2').split(',').map(Number);
const steps = Number(opt('steps', '4'));
const warmup = Number(opt('warmup', '1'));
const mode = opt('mode', 'threads');
const backend = opt('backend', 'wasm');
const entry = join(dirname(fileURLToPath(import.meta.url)), 'parallel-rank.mjs');

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
const rows = [];
let params = 0;
const loadBefore = load();
const scalingBefore = await cpuScaling();
for (const workers of counts) {
  // The native backend's BLAS gets each worker's share of the cores (as `dft train --workers` does).
  const env = () => ({ DFT_NATIVE_THREADS: String(Math.max(1, Math.floor(os.availableParallelism() / workers))) });
  const group = await launchWorkers({ mode, workers, entry, env, data: { backend, steps, warmup } });
  const r = await group.done;
  const tokPerS = (r.tokensPerStep * steps) / r.seconds;
  params = r.params;
  rows.push({
    workers,
    mode,
    backend,
    batchPerWorker: `${BENCH_BATCH}x${BENCH_SEQ}`,
    globalBatch: workers * BENCH_BATCH,
    stepS: r.seconds / steps,
    allReduceMsPerStep: r.reduceMs / steps,
    trainTokPerS: tokPerS,
    speedup: rows.length ? tokPerS / rows[0].trainTokPerS : 1,
    load1m: load()[0],
  });
}
const loadAfter = load();
const scalingAfter = await cpuScaling();
const cpu = `2-thread CPU scaling ${scalingBefore.toFixed(2)}x before, ${scalingAfter.toFixed(2)}x after`;
printTable(`data-parallel training, ${steps} timed steps after ${warmup} warm-up (load average before ${loadBefore.join(' ')}, after ${loadAfter.join(' ')}; ${cpu}; ${os.cpus().length} cores)`, rows);
const file = writeResults(mode === 'threads' && backend === 'wasm' ? 'parallel' : `parallel-${mode}-${backend}`, rows, { params, steps, warmup, loadBefore, loadAfter, cpuScalingBefore: scalingBefore, cpuScalingAfter: scalingAfter });
console.log(`\nwrote ${file}`);
