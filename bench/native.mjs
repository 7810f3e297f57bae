// Native-backend benchmark (issue 7): training and forward tokens/s of the benchmark model of docs/design.md on `native` and `wasm`
// (each in its own child process, so each peak RSS is its own), PyTorch on the same machine
// (bench/torch_reference.py, best of 1 and 2 threads), the ratios, and a per-kernel profile of one training step
// per backend. Usage: node bench/native.mjs [--backends native,wasm] [--steps N] [--rounds R] [--profile native,wasm|none]
//   child mode (internal): node bench/native.mjs --child <backend> [--steps N] [--profile]
import { spawnSync } from 'node:child_process';
import os from 'node:os';

import { fileURLToPath } from 'node:url';
import { BENCH_BATCH, BENCH_MODEL, BENCH_SEQ } from './bench-config.mjs';
import { printTable, writeResults } from './results-io.mjs';
import { torchReference } from './torch-reference.mjs';

const args = process.argv.slice(2);
const opt = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
};
const steps = Number(opt('steps', '3'));
const rounds = Number(opt('rounds', '1'));

/** Selects `name`; `native` is registered from packages/native until core's selectBackend knows it. */
async function useBackend(name) {
  const tf = await import('@tensorflow/tfjs-core');
  const core = await import('@dft/core');
  if (core.BACKEND_ORDER.includes(name)) {
    await core.selectBackend({ prefer: name, log: null });
    return;
  }
  if (name !== 'native') throw new Error(`unknown backend ${name}`);
  await core.selectBackend({ prefer: 'cpu', log: null }); // registers core's kernel fixes, copied to native below
  const native = await import('../packages/native/dist/index.js');
  const status = native.registerNativeBackend();
  if (!status.available) throw new Error(status.reason);
  if (!(await tf.setBackend('native'))) throw new Error('tf.setBackend("native") failed');
  await tf.ready();
}

async function child(name) {
  const { benchWorkload, fusedTrainStep, kernelProfile, tokensPerSecond } = await import('./native-step.mjs');
  await useBackend(name);
  const w = benchWorkload();
  const row = {
    backend: name,
    trainTokPerS: await tokensPerSecond(w.train, steps, w.tokens),
    forwardTokPerS: await tokensPerSecond(w.forward, steps, w.tokens),
    params: w.params,
  };
  const profile = args.includes('--profile');
  if (profile) {
    row.profile = await kernelProfile(w.train);
    row.forwardProfile = await kernelProfile(w.forward);
  }
  if (name === 'native') {
    // The fused ops of @dft/ops, which run the kernels the native backend registers.
    const ops = await import('../packages/ops/dist/index.js');
    const fused = fusedTrainStep(w, ops);
    row.fusedTrainTokPerS = await tokensPerSecond(fused.train, steps, w.tokens);
    if (profile) row.fusedProfile = await kernelProfile(fused.train);
    fused.dispose();
    // Last: this routes the model's RMSNorm and MLP activation through the fused kernels for good.
    const all = fusedTrainStep(w, ops, { model: true });
    row.allFusedTrainTokPerS = await tokensPerSecond(all.train, steps, w.tokens);
    row.allFusedForwardTokPerS = await tokensPerSecond(w.forward, steps, w.tokens);
    if (profile) row.allFusedProfile = await kernelProfile(all.train);
    all.dispose();
  }
  w.dispose();
  row.peakRssMb = process.resourceUsage().maxRSS / 1024;
  process.stdout.write('\n@@RESULT ' + JSON.stringify(row) + '\n');
}

function runChild(name, profile) {
  const r = spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--child', name, '--steps', String(steps), ...(profile ? ['--profile'] : [])], {
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  });
  const line = r.stdout.split('\n').find((l) => l.startsWith('@@RESULT '));
  if (r.status !== 0 || !line) return { backend: name, skipped: (r.stderr || r.stdout).trim().split('\n').slice(-3).join(' | ') };
  return JSON.parse(line.slice('@@RESULT '.length));
}

/** Field-wise maximum of the throughput numbers of two runs (nested objects too); other fields from `a`. */
function bestOf(a, b) {
  if (a.skipped || b.skipped) return a.skipped ? b : a;
  const out = { ...a };
  for (const [k, v] of Object.entries(b)) {
    if (typeof v === 'number' && /TokPerS$|^forward$|^train$/.test(k)) out[k] = Math.max(a[k] ?? 0, v);
    else if (v && typeof v === 'object' && /^threads_/.test(k)) out[k] = bestOf(a[k], v);
  }
  return out;
}

async function parent() {
  const backends = opt('backends', 'native,wasm').split(',');
  const profileArg = opt('profile', 'native,wasm');
  const profiled = profileArg === 'none' ? [] : profileArg.split(',');
  const load = () => os.loadavg().map((x) => x.toFixed(2)).join(' ');
  const loadBefore = load();
  // Each round runs every backend and PyTorch once, in turn; the best of the rounds counts, so a burst of load
  // from other processes does not decide a ratio. Profiles come from the first round.
  let results = [];
  let torch = null;
  for (let round = 0; round < rounds; round++) {
    const now = backends.map((b) => runChild(b, round === 0 && profiled.includes(b)));
    results = round === 0 ? now : results.map((r, i) => bestOf(r, now[i]));
    const t = torchReference(steps);
    torch = torch && !torch.skipped && !t.skipped ? bestOf(torch, t) : t;
  }
  const loadAfter = load();

  const rows = [];
  for (const r of results) {
    if (r.skipped) {
      console.log(`${r.backend}: skipped (${r.skipped})`);
      continue;
    }
    rows.push({ backend: `${r.backend} (tfjs loss + tf.train.adam)`, trainTokPerS: r.trainTokPerS, forwardTokPerS: r.forwardTokPerS, peakRssMb: r.peakRssMb });
    if (r.fusedTrainTokPerS) {
      rows.push({ backend: `${r.backend} (fused token NLL + AdamW)`, trainTokPerS: r.fusedTrainTokPerS, forwardTokPerS: r.forwardTokPerS, peakRssMb: r.peakRssMb });
      rows.push({ backend: `${r.backend} (+ fused RMSNorm, SiLU·up)`, trainTokPerS: r.allFusedTrainTokPerS, forwardTokPerS: r.allFusedForwardTokPerS, peakRssMb: r.peakRssMb });
    }
  }
  if (!torch.skipped) {
    const best = (k) => Math.max(torch.threads_1[k], torch.threads_2[k]);
    for (const r of rows) {
      r.trainVsTorch = r.trainTokPerS / best('train');
      r.forwardVsTorch = r.forwardTokPerS / best('forward');
    }
    for (const t of [1, 2]) {
      const m = torch[`threads_${t}`];
      rows.push({ backend: `pytorch ${torch.torch} (${t} thread${t > 1 ? 's' : ''})`, trainTokPerS: m.train, forwardTokPerS: m.forward, peakRssMb: torch.peak_rss_mb });
    }
  } else {
    console.log(`PyTorch reference skipped: ${torch.skipped}`);
  }
  printTable(`Native: LLaMA d256 L4 vocab32k, batch ${BENCH_BATCH}x${BENCH_SEQ} (tokens/s; ratio vs best PyTorch thread setting; load avg ${loadBefore} -> ${loadAfter})`, rows);
  for (const r of results.filter((x) => x.profile)) {
    for (const [what, p] of [
      ['training step (tfjs loss + Adam)', r.profile],
      ['training step (fused loss + AdamW)', r.fusedProfile],
      ['training step (all fused)', r.allFusedProfile],
      ['forward pass', r.forwardProfile],
    ]) {
      if (!p) continue;
      const top = p.rows.slice(0, 15).map((k) => ({ kernel: k.kernel, calls: k.calls, ms: k.ms, share: k.ms / p.kernelMs }));
      printTable(`Profile of one ${what} on ${r.backend}: ${p.kernelMs.toFixed(0)} ms in kernels, ${p.wallMs.toFixed(0)} ms wall (profiled)`, top);
    }
  }
  const file = writeResults('native', rows, {
    model: BENCH_MODEL,
    batch: BENCH_BATCH,
    seq: BENCH_SEQ,
    steps,
    rounds,
    loadavg: { before: loadBefore, after: loadAfter },
    profiles: Object.fromEntries(
      results.filter((x) => x.profile).map((x) => [x.backend, { train: x.profile, fusedTrain: x.fusedProfile, allFusedTrain: x.allFusedProfile, forward: x.forwardProfile }]),
    ),
  });
  console.log('wrote', file);
}

if (args.includes('--child')) await child(opt('child'));
else await parent();
