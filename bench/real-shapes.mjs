#!/usr/bin/env node
// Real shapes (not CI): one DFT-logits step (TFT + logit-lens losses at two layers, micro-batch 1 × 512 tokens) of a
// Gemma-2-2B-shaped model (hidden 2304, vocabulary 256,000, 8 query / 4 kv heads of 256, tied embedding, soft-caps)
// with 2 layers and of a LLaMA-2-7B-shaped model with 1 layer, trained on this CPU with gradient checkpointing and
// LM-head loss chunks of 16 tokens. Each run is its own process (its peak RSS is its own) and trains two steps: the
// first creates the AdamW moments in its update, so the second is the step `dft plan` describes (every later step);
// its measured `peakBytes` and the process's peak RSS are printed beside the plan's prediction for the same step, and
// the plan of the step without checkpointing and chunking (for the fully trained Gemma shape more than this 24 GB
// machine holds). A run whose plan does not fit in the memory available now (MemAvailable, with a 15 % margin) is
// not started: its row says so. The Gemma shape is also run with its tied embedding frozen (the layers train).
//
//   pnpm build && node bench/real-shapes.mjs [--backend native] [--runs 0,1,2]
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { CausalLM, initialParameters, parameterSpecs, parseConfig, planMemory, selectBackend, Trainer } from '@dft/core';
import { dftObjective } from '@dft/losses';
import { printTable, writeResults } from './results-io.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const opt = (name, fallback) => (args.includes(`--${name}`) ? args[args.indexOf(`--${name}`) + 1] : fallback);
const backend = opt('backend', 'native');
const GB = 1e9;
const [B, T, CHUNK] = [1, 512, 16];
const EMBED = 'model.embed_tokens.weight';

const RUNS = [
  { name: 'gemma-2-2b', layers: 2, lcLayer: 1, etLayer: 2, freeze: [] },
  { name: 'llama-2-7b', layers: 1, lcLayer: 0, etLayer: 1, freeze: [] },
  { name: 'gemma-2-2b', layers: 2, lcLayer: 1, etLayer: 2, freeze: [EMBED] },
];
// `--runs 0,1` runs some of them (the frozen-embedding row is optional).
const only = opt('runs', null)?.split(',').map(Number);

function configOf(run) {
  const raw = JSON.parse(readFileSync(join(root, 'examples/shapes', run.name, 'config.json'), 'utf8'));
  return parseConfig({ ...raw, num_hidden_layers: run.layers });
}

function planOf(run, checkpointingAndChunks) {
  const config = configOf(run);
  return planMemory(config, {
    method: 'dft-logits', lcLayer: run.lcLayer, etLayer: run.etLayer, microBatch: B, seqLen: T,
    gradientCheckpointing: checkpointingAndChunks, lossChunkTokens: checkpointingAndChunks ? CHUNK : 0,
    trainableNames: parameterSpecs(config).map((p) => p.name).filter((n) => !run.freeze.includes(n)), fusedOptimizer: backend === 'native',
    fusedHeadNll: backend === 'native',
  });
}

function group(config, seed) {
  const ids = Array.from({ length: T }, (_, t) => (seed * 7919 + t * 104729) % config.vocabSize);
  // Labels on the last three quarters, as a prompt + response.
  const labels = ids.map((v, t) => (t < T / 4 ? -100 : v));
  return { ids: tf.tensor2d([ids], [B, T], 'int32'), labels: tf.tensor2d([labels], [B, T], 'int32'), attentionMask: tf.ones([B, T], 'int32') };
}

/** One step in this process; prints its measurements as the last line of stdout. */
async function runOne(run) {
  await selectBackend({ prefer: backend, log: null });
  const config = configOf(run);
  const t0 = performance.now();
  const model = new CausalLM(config, initialParameters(config, 1));
  model.gradientCheckpointing = true;
  const objective = dftObjective({ method: 'dft-logits', lcLayer: run.lcLayer, etLayer: run.etLayer, lossChunkTokens: CHUNK });
  const batch = { tft: group(config, 1), lc: group(config, 2), et: group(config, 3) };
  const trainer = new Trainer(model, objective, { lr: 1e-5, totalSteps: 2, freeze: run.freeze });
  // The first step creates the AdamW moments in its update; the second runs with them, as every later step (the plan).
  const first = await trainer.step([{ batch, weight: 1 }]);
  const t1 = performance.now();
  const second = await trainer.step([{ batch, weight: 1 }]);
  const t2 = performance.now();
  const out = { peakBytes: second.peakBytes, firstStepPeakBytes: first.peakBytes, loss: second.loss, maxRssBytes: process.resourceUsage().maxRSS * 1024 };
  console.log(JSON.stringify({ ...out, setupAndFirstStepSeconds: (t1 - t0) / 1000, stepSeconds: (t2 - t1) / 1000, backend: tf.getBackend() }));
}

function memAvailable() {
  return Number(/MemAvailable:\s+(\d+) kB/.exec(readFileSync('/proc/meminfo', 'utf8'))[1]) * 1024;
}

if (args.includes('--run')) {
  await runOne(RUNS[Number(opt('run', '0'))]);
} else {
  const rows = [];
  for (const [i, run] of RUNS.entries()) {
    if (only && !only.includes(i)) continue;
    const plan = planOf(run, true).perRank;
    const without = planOf(run, false).perRank;
    const available = memAvailable();
    const planned = {
      planGB: plan.total / GB,
      planBackwardGB: (plan.weights + plan.gradients + plan.optimizer + plan.activations) / GB,
      planUpdateGB: plan.update / GB,
      planWithoutCheckpointingOrChunksGB: without.total / GB,
    };
    const row = (measured) => ({
      model: `${run.name} shape, ${run.layers} layer(s)`,
      trains: run.freeze.length ? 'all but the tied embedding' : 'all',
      step: `dft-logits, lens ${run.lcLayer}/${run.etLayer}, ${B}x${T} tokens, checkpointing, chunks of ${CHUNK}`,
      ...measured,
      ...planned,
      availableGB: available / GB,
    });
    if (plan.total * 1.15 > available) {
      rows.push(row({ measuredPeakGB: 'not run: plan > available', 'plan / measured': '', firstStepPeakGB: '', maxRssGB: '', loss: '', stepSeconds: '', load1m: os.loadavg()[0] }));
      continue;
    }
    const load1m = os.loadavg()[0];
    const out = execFileSync(process.execPath, [fileURLToPath(import.meta.url), '--run', String(i), '--backend', backend], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
    const m = JSON.parse(out.trim().split('\n').pop());
    rows.push(row({ measuredPeakGB: m.peakBytes / GB, 'plan / measured': plan.total / m.peakBytes, firstStepPeakGB: m.firstStepPeakBytes / GB, maxRssGB: m.maxRssBytes / GB, loss: m.loss, stepSeconds: m.stepSeconds, load1m }));
  }
  printTable(`bench real-shapes: one DFT-logits step (${B}x${T} tokens) of real model shapes on this CPU, measured vs dft plan`, rows);
  console.log(`results: ${writeResults('real-shapes', rows)}`);
}
