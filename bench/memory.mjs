#!/usr/bin/env node
// Memory over long runs: `dft train` (in this process, the built CLI) for N steps of each method on the tiny LLaMA
// and the bundled en–zh slice (micro-batch 1, checkpoints every 100 steps, keepLast 1), recording after every
// step the process RSS, V8 heap, external/ArrayBuffer memory and tfjs's tensor count and bytes. Prints one row
// per method (start, middle and end values, growth over the second half) and writes every sample to
// bench/results/memory.json.
//
//   pnpm build && node --expose-gc bench/memory.mjs [--steps N] [--methods sft,tft]
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { printTable, writeResults } from './results-io.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const cliDist = join(root, 'packages/cli/dist/index.js');
const args = process.argv.slice(2);
const arg = (name) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
const steps = Number(arg('--steps') ?? 500);
const methods = (arg('--methods') ?? 'sft,tft,dft-logits,dft-feature').split(',');
if (!existsSync(cliDist)) {
  console.error('bench memory: packages/cli/dist missing, run `pnpm build` first');
  process.exit(1);
}
const { runCli } = await import(cliDist);
const MB = 1024 * 1024;

/** Runs `dft ...argv` here, calling `onStep` after each logged step (the JSON step lines it prints off a terminal). */
async function dft(argv, onStep) {
  const write = process.stdout.write;
  const err = [];
  const errWrite = process.stderr.write;
  process.stdout.write = (s) => {
    for (const line of String(s).split('\n')) if (line.startsWith('{"event":"step"')) onStep(JSON.parse(line));
    return true;
  };
  process.stderr.write = (s) => err.push(String(s)) > 0;
  try {
    const code = await runCli(argv);
    if (code !== 0) throw new Error(`dft ${argv[0]} exited ${code}: ${err.join('')}`);
  } finally {
    process.stdout.write = write;
    process.stderr.write = errWrite;
  }
}

// Progress prints JSON step lines only off a terminal.
Object.defineProperty(process.stderr, 'isTTY', { value: false });
const tmp = mkdtempSync(join(os.tmpdir(), 'dft-bench-memory-'));
const model = join(root, 'fixtures/models/tiny-llama');
const rows = [];
const samples = {};
try {
  const data = join(tmp, 'data');
  await dft(['prepare', '--input', join(root, 'examples/data/alpaca-en-zh-300.json'), '--tokenizer', model, '--out', data, '--max-length', '128'], () => {});
  for (const method of methods) {
    const series = [];
    const t0 = performance.now();
    await dft(
      [
        'train', '--model', model, '--data', data, '--out', join(tmp, method), '--method', method, '--lc-layer', '1', '--et-layer', '2',
        '--micro-batch', '1', '--global-batch', '1', '--lr', '1e-3', '--epochs', '1000', '--max-steps', String(steps),
        '--save-every', '100', '--keep-last', '1',
      ],
      (row) => {
        const m = process.memoryUsage();
        const t = tf.memory();
        series.push({ step: row.step, rssMB: m.rss / MB, heapMB: m.heapUsed / MB, externalMB: m.external / MB, arrayBuffersMB: m.arrayBuffers / MB, numTensors: t.numTensors, tensorMB: t.numBytes / MB });
      },
    );
    const seconds = (performance.now() - t0) / 1000;
    samples[method] = series;
    const at = (i) => series[Math.min(series.length - 1, i)];
    const half = at(Math.floor(series.length / 2));
    const last = series.at(-1);
    const per100 = (key) => ((last[key] - half[key]) / Math.max(1, last.step - half.step)) * 100;
    rows.push({
      method,
      steps: series.length,
      rssMB_step10: at(9).rssMB,
      rssMB_mid: half.rssMB,
      rssMB_end: last.rssMB,
      rssMBper100_2ndHalf: per100('rssMB'),
      heapMBper100_2ndHalf: per100('heapMB'),
      tensors_step10: at(9).numTensors,
      tensors_end: last.numTensors,
      tensorMB_step10: at(9).tensorMB,
      tensorMB_end: last.tensorMB,
      seconds,
    });
    if (global.gc) global.gc();
  }
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
const load = os.loadavg();
printTable(`dft train memory per method, ${steps} steps each (backend ${tf.getBackend()}, load average ${load.map((l) => l.toFixed(1)).join(' ')})`, rows);
const file = writeResults('memory', rows, { steps, backend: tf.getBackend(), loadAverage: load, samples });
console.log(`\nwritten to ${file}`);
