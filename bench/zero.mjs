#!/usr/bin/env node
// ZeRO stages: per-rank AdamW state bytes (and the step's peak tensor bytes, tok/s) of the benchmark model of
// docs/design.md trained by bench/parallel-rank.mjs, with 1 MPI rank and with 2 at ZeRO 0, 1 and 2.
// The moments should fall to ~1/N per rank at stages 1 and 2.
//
//   pnpm build && node bench/zero.mjs [--backend wasm] [--steps 2]
import os from 'node:os';
import { trainOnRanks } from './mpi-job.mjs';
import { printTable, writeResults } from './results-io.mjs';

const args = process.argv.slice(2);
const opt = (name, fallback) => (args.includes(`--${name}`) ? args[args.indexOf(`--${name}`) + 1] : fallback);
const backend = opt('backend', 'wasm');
const steps = Number(opt('steps', 2));
const MB = 1024 * 1024;
const rows = [];
for (const [workers, zeroStage] of [[1, 0], [2, 0], [2, 1], [2, 2]]) {
  const r = trainOnRanks(workers, { backend, steps, warmup: 1, zeroStage });
  rows.push({
    workers,
    zeroStage,
    backend,
    params: r.params,
    optimizerMBPerRank: r.optimizerBytes / MB,
    'optimizer / stage 0': r.optimizerBytes / (8 * r.params),
    peakMBRank0: r.peakBytes / MB,
    tokPerS: (r.tokensPerStep * steps) / r.seconds,
    load1m: os.loadavg()[0],
  });
}
printTable('bench zero: per-rank AdamW state by ZeRO stage (MPI ranks)', rows);
console.log(`results: ${writeResults('zero', rows)}`);
