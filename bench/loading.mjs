#!/usr/bin/env node
// Loading at scale: peak RSS of a fresh process while `loadPretrained` reads a float32 checkpoint, next to the
// weights' size. Each tensor goes into its variable as it is read, so the peak should stay near the weights plus one
// tensor, not twice the weights. A random LLaMA-shaped model (hidden 1024, 4 layers, vocabulary 32,000: ~117 M
// parameters, 470 MB) is written to a temporary folder first; the load runs in a child on the cpu backend.
//
//   pnpm build && node bench/loading.mjs [--layers N]
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { printTable, writeResults } from './results-io.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const coreDist = join(root, 'packages/core/dist/index.js');
if (!existsSync(coreDist)) {
  console.error('bench loading: packages/core/dist missing, run `pnpm build` first');
  process.exit(1);
}
const args = process.argv.slice(2);
const layers = Number(args.includes('--layers') ? args[args.indexOf('--layers') + 1] : 4);
const MB = 1024 * 1024;

// The child: RSS before, then the high-water mark of the load alone (clear_refs 5 resets VmHWM to the current RSS).
const CHILD = `
import { readFileSync, writeFileSync } from 'node:fs';
import * as core from ${JSON.stringify(coreDist)};
const kb = (field) => Number(new RegExp(field + ':\\\\s+(\\\\d+)').exec(readFileSync('/proc/self/status', 'utf8'))[1]) * 1024;
await core.selectBackend({ prefer: 'cpu', log: null });
if (globalThis.gc) gc();
writeFileSync('/proc/self/clear_refs', '5');
const before = kb('VmRSS');
const t0 = performance.now();
const { model } = core.loadPretrained(process.argv[2]);
const seconds = (performance.now() - t0) / 1000;
const peak = kb('VmHWM');
const weights = [...model.params.values()].reduce((s, p) => s + 4 * p.size, 0);
process.stdout.write(JSON.stringify({ before, peak, weights, seconds, largest: Math.max(...[...model.params.values()].map((p) => 4 * p.size)) }));
`;

const dir = mkdtempSync(join(os.tmpdir(), 'dft-bench-loading-'));
try {
  const modelDir = join(dir, 'model');
  const config = {
    model_type: 'llama', vocab_size: 32000, hidden_size: 1024, intermediate_size: 2816, num_hidden_layers: layers,
    num_attention_heads: 16, num_key_value_heads: 16, max_position_embeddings: 512, torch_dtype: 'float32', tie_word_embeddings: false,
  };
  // Written by a separate process, so that the loading process starts clean.
  const make = spawnSync(process.execPath, ['--input-type=module', '-e', `
    import * as core from ${JSON.stringify(coreDist)};
    await core.selectBackend({ prefer: 'cpu', log: null });
    const config = core.parseConfig(${JSON.stringify(config)});
    const model = new core.CausalLM(config, core.initialParameters(config, 1));
    core.savePretrained(model, ${JSON.stringify(modelDir)});
  `], { stdio: ['ignore', 'inherit', 'inherit'] });
  if (make.status !== 0) throw new Error('bench loading: writing the model failed');
  const script = join(dir, 'load.mjs');
  writeFileSync(script, CHILD);
  const r = spawnSync(process.execPath, ['--expose-gc', script, modelDir], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`bench loading: the load failed: ${r.stderr}`);
  const m = JSON.parse(r.stdout);
  const rows = [{
    model: `llama h1024 × ${layers} layers`,
    weightsMB: m.weights / MB,
    largestTensorMB: m.largest / MB,
    rssBeforeMB: m.before / MB,
    peakRssMB: m.peak / MB,
    peakOverBeforeMB: (m.peak - m.before) / MB,
    'peak growth / weights': (m.peak - m.before) / m.weights,
    loadS: m.seconds,
    load1m: os.loadavg()[0],
  }];
  printTable('bench loading: peak RSS while loadPretrained reads a float32 checkpoint (cpu backend)', rows);
  console.log(`results: ${writeResults('loading', rows)}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
