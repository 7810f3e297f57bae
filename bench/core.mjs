// Core benchmark (issue 9): forward and training-step tokens/s of the benchmark model of docs/design.md on each backend, beside
// PyTorch on the same machine. Usage: node bench/core.mjs [--backends tensorflow,native,wasm,cpu] [--steps N]
// (default: every backend that can start here; tensorflow once `pnpm setup:tensorflow` has built it).
// A second table (results/core-loss-settings.json) times the training step of `dft train`'s objective (TFT) on the
// first backend with whole-pass LM-head losses, the default (chunked only above 2^24 logits), explicit chunks, and
// gradient checkpointing; `--loss-settings-only` runs that table alone (keeping results/core.json as it is).
import { loadavg } from 'node:os';
import * as tf from '@tensorflow/tfjs-core';
import { availableBackends, CausalLM, initialParameters, parseConfig, selectBackend, Trainer } from '@dft/core';
import { causalLmLoss, dftObjective } from '@dft/losses';
import { BENCH_BATCH, BENCH_MODEL, BENCH_SEQ } from './bench-config.mjs';
import { printTable, writeResults } from './results-io.mjs';
import { torchReference } from './torch-reference.mjs';
import { tokensPerSecond } from './timing.mjs';

const args = process.argv.slice(2);
const opt = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
};
const backends = opt('backends', availableBackends().join(',')).split(',');
const steps = Number(opt('steps', '3'));
const lossSettingsOnly = args.includes('--loss-settings-only');

function randomIds(n, vocab, seed) {
  let s = seed;
  return Array.from({ length: n }, () => (s = (s * 1103515245 + 12345) % 2 ** 31) % vocab);
}

async function benchBackend(name) {
  await selectBackend({ prefer: name, log: null });
  const config = parseConfig(BENCH_MODEL, 'bench model');
  const model = new CausalLM(config, initialParameters(config, 0));
  const B = BENCH_BATCH;
  const T = BENCH_SEQ;
  const ids = tf.tensor2d(randomIds(B * T, config.vocabSize, 1), [B, T], 'int32');
  // The training path of `dft train`: our causal-LM loss and Trainer (AdamW with weight decay 0 = Adam).
  const trainer = new Trainer(model, (m, batch) => ({ loss: causalLmLoss(m.forward(batch).logits, batch) }), {
    lr: 1e-4,
    schedule: 'constant',
    totalSteps: 1000,
  });
  const params = [...model.params.values()];
  const forward = () => {
    // Read outside tf.tidy: tidy walks every element of a returned typed array.
    const logits = tf.tidy(() => model.forward(ids).logits);
    logits.dataSync();
    logits.dispose();
  };
  const train = () => trainer.step([{ batch: ids, weight: B }]);
  // cpu is ~20-100x slower than wasm: one timed run keeps the bench short.
  const n = name === 'cpu' ? 1 : steps;
  const row = {
    backend: name,
    forwardTokPerS: await tokensPerSecond(forward, n, B * T, n > 1),
    trainTokPerS: await tokensPerSecond(train, n, B * T, n > 1),
    params: params.reduce((s, p) => s + p.size, 0),
  };
  ids.dispose();
  trainer.dispose();
  model.dispose();
  return row;
}

/**
 * Training tok/s of the TFT objective with the LM-head loss settings of `dft train` (`--loss-chunk-tokens`,
 * `--gradient-checkpointing`), each relative to whole-pass losses without checkpointing.
 */
async function benchLossSettings(name) {
  await selectBackend({ prefer: name, log: null });
  const config = parseConfig(BENCH_MODEL, 'bench model');
  const B = BENCH_BATCH;
  const T = BENCH_SEQ;
  const ids = tf.tensor2d(randomIds(B * T, config.vocabSize, 1), [B, T], 'int32');
  const batch = { tft: { ids, labels: ids, attentionMask: tf.onesLike(ids) } };
  const settings = [
    ['whole passes (0)', 0, false],
    [`default (${B}x${T}x${config.vocabSize} logits <= 2^24: whole)`, undefined, false],
    ['chunks of 128 tokens', 128, false],
    ['chunks of 512 tokens (one chunk)', 512, false],
    ['whole passes (0)', 0, true],
    ['chunks of 128 tokens', 128, true],
  ];
  // The settings' steps are interleaved, round after round, so that a change in the machine's load hits them alike;
  // each setting's rate is its median over the rounds.
  const runs = settings.map(([loss, lossChunkTokens, gradientCheckpointing]) => {
    const model = new CausalLM(config, initialParameters(config, 0));
    model.gradientCheckpointing = gradientCheckpointing;
    const trainer = new Trainer(model, dftObjective({ method: 'tft', lossChunkTokens }), { lr: 1e-4, schedule: 'constant', totalSteps: 1000 });
    return { loss, gradientCheckpointing, model, trainer, rates: [], cpu: [] };
  });
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  for (let round = 0; round <= steps; round++) {
    for (const r of runs) {
      // CPU time of the process (all its threads) as well as wall time: on a shared machine it is the steadier
      // measure of what a setting costs.
      const cpu = process.cpuUsage();
      const rate = await tokensPerSecond(() => r.trainer.step([{ batch, weight: B }]), 1, B * T, false);
      const used = process.cpuUsage(cpu);
      if (round > 0) r.rates.push(rate), r.cpu.push((used.user + used.system) / 1e6); // round 0 warms up
    }
  }
  const rows = runs.map((r) => {
    r.trainer.dispose();
    r.model.dispose();
    // Other processes only ever add to a step's time: the fastest round is the least disturbed one.
    const best = { trainTokPerSBest: Math.max(...r.rates), cpuSecondsBest: Math.min(...r.cpu) };
    return { backend: name, loss: r.loss, gradientCheckpointing: r.gradientCheckpointing, trainTokPerS: median(r.rates), cpuSecondsPerStep: median(r.cpu), ...best };
  });
  for (const r of rows) {
    r.tokPerSVsWhole = r.trainTokPerS / rows[0].trainTokPerS;
    r.bestTokPerSVsWhole = r.trainTokPerSBest / rows[0].trainTokPerSBest;
    r.bestCpuVsWhole = r.cpuSecondsBest / rows[0].cpuSecondsBest;
  }
  tf.dispose([ids, batch.tft.attentionMask]);
  return rows;
}

// The machine may be shared: the load average before and after goes with the numbers.
const loadBefore = loadavg()[0];
const rows = [];
if (!lossSettingsOnly) for (const b of backends) rows.push(await benchBackend(b));
const lossRows = await benchLossSettings(backends[0]);
const loadAfter = loadavg()[0];
console.log(`load average (1 min): ${loadBefore.toFixed(1)} before, ${loadAfter.toFixed(1)} after`);
const extra = { model: BENCH_MODEL, batch: BENCH_BATCH, seq: BENCH_SEQ, steps, loadAverage: [loadBefore, loadAfter] };
printTable(`Core: training step of the TFT objective by LM-head loss setting (${backends[0]}; median and best tokens/s and CPU seconds per step over the rounds; ratios vs whole-pass losses)`, lossRows);
console.log('wrote', writeResults('core-loss-settings', lossRows, extra));
if (!lossSettingsOnly) {
  const torch = torchReference(steps);
  if (!torch.skipped) {
    const best = (k) => Math.max(torch.threads_1[k], torch.threads_2[k]);
    rows.push({ backend: `pytorch ${torch.torch} (1 thread)`, forwardTokPerS: torch.threads_1.forward, trainTokPerS: torch.threads_1.train, params: rows[0].params });
    rows.push({ backend: `pytorch ${torch.torch} (2 threads)`, forwardTokPerS: torch.threads_2.forward, trainTokPerS: torch.threads_2.train, params: rows[0].params });
    for (const r of rows.filter((r) => !r.backend.startsWith('pytorch'))) {
      r.forwardVsTorch = r.forwardTokPerS / best('forward');
      r.trainVsTorch = r.trainTokPerS / best('train');
    }
  } else {
    console.log(`PyTorch reference skipped: ${torch.skipped}`);
  }
  printTable(`Core: LLaMA d256 L4 vocab32k, batch ${BENCH_BATCH}x${BENCH_SEQ} (tokens/s; ratio vs best PyTorch thread setting)`, rows);
  console.log('wrote', writeResults('core', rows, extra));
}
