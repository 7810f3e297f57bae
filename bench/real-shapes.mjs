#!/usr/bin/env node
// Real shapes (not CI): one layer of LLaMA-2-7B's shape (hidden 4096, vocabulary 32,000, 32 heads) trains two steps
// on this CPU with gradient checkpointing, micro-batch 1 × 16 tokens, and the measured `peakBytes` of the second step
// (AdamW moments allocated) is printed beside `dft plan`'s total for the same step and the plan without
// checkpointing. The method is TFT (one pass): on this shared 24 GB machine the three-pass DFT-logits step of the
// same model is planned at 13 GB and Gemma-2-2B's shape (tied 256,000 × 2304 head) far above, so those are only
// planned (second table).
//
//   pnpm build && node bench/real-shapes.mjs [--backend native]
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { CausalLM, initialParameters, parseConfig, planMemory, selectBackend, Trainer } from '@dft/core';
import { causalLmLoss } from '@dft/losses';
import { printTable, writeResults } from './results-io.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const shape = (name, layers) => ({ ...JSON.parse(readFileSync(join(root, 'examples/shapes', name, 'config.json'), 'utf8')), num_hidden_layers: layers });
const args = process.argv.slice(2);
const backend = args.includes('--backend') ? args[args.indexOf('--backend') + 1] : 'native';
const GB = 1e9;
const [B, T] = [1, 16];

await selectBackend({ prefer: backend, log: null });
const config = parseConfig(shape('llama-2-7b', 1));
const settings = { method: 'tft', microBatch: B, seqLen: T, gradientCheckpointing: true, fusedOptimizer: backend === 'native' };
const plan = planMemory(config, settings);
const t0 = performance.now();
const model = new CausalLM(config, initialParameters(config, 1));
model.gradientCheckpointing = true;
const ids = tf.tensor2d(Array.from({ length: B * T }, (_, i) => (i * 7919) % config.vocabSize), [B, T], 'int32');
const trainer = new Trainer(model, (m, batch) => ({ loss: causalLmLoss(m.forward(batch).logits, batch) }), { lr: 1e-5, totalSteps: 2 });
const peaks = [];
for (let s = 0; s < 2; s++) peaks.push((await trainer.step([{ batch: ids, weight: 1 }])).peakBytes);
const seconds = (performance.now() - t0) / 1000;
trainer.dispose();
model.dispose();
ids.dispose();
const rows = [{
  model: 'LLaMA-2-7B shape, 1 layer',
  method: 'tft',
  tokens: `${B}x${T}`,
  backend: tf.getBackend(),
  measuredPeakGB: peaks[1] / GB,
  planGB: plan.perRank.total / GB,
  'plan / measured': plan.perRank.total / peaks[1],
  planWithoutCheckpointingGB: planMemory(config, { ...settings, gradientCheckpointing: false }).perRank.total / GB,
  seconds,
  load1m: os.loadavg()[0],
}];
printTable('bench real-shapes: one layer of LLaMA-2-7B, two TFT steps with gradient checkpointing', rows);
const planned = [];
for (const [name, layers] of [['gemma-2-2b', 2], ['llama-2-7b', 1]]) {
  const c = parseConfig(shape(name, layers));
  for (const gradientCheckpointing of [true, false]) {
    const p = planMemory(c, { method: 'dft-logits', lcLayer: 1, etLayer: layers, microBatch: 1, seqLen: 32, gradientCheckpointing });
    planned.push({ model: `${name} shape, ${layers} layer(s)`, method: 'dft-logits', tokens: '1x32', gradientCheckpointing, ...Object.fromEntries(Object.entries(p.perRank).map(([k, v]) => [`${k}GB`, v / GB])) });
  }
}
printTable('planned only: one DFT-logits step of the real shapes (dft plan)', planned);
console.log(`results: ${writeResults('real-shapes', rows, { planned })}`);
