#!/usr/bin/env node
// @dft/data benchmark: prepare the parallel en-zh Alpaca set (52,002 records) and its first 5,000 records with the
// Llama-2 tokenizer, on the Rust and the JS tokenizer engine, with 1 job and with one per core; then read + batch
// the prepared file. Each prepare runs in a child process so its peak RSS (process.resourceUsage().maxRSS, worker
// threads included) is its own.
//
//   pnpm --filter @dft/data... build && node bench/data.mjs [--sets 5k,52k] [--engines rust,js] [--jobs 1,2]
//   node bench/data.mjs --runs 5k:js:1,52k:rust:2      (explicit set:engine:jobs runs instead of every combination)
//
// Prints a table and writes bench/results/data.json. Needs ../shared/data (skips with a message without it).
// The machine may be shared: each row records the 1-minute load average before and after it.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dataDist = pathToFileURL(join(root, 'packages/data/dist/index.js')).href;
const tokenizerDir = join(root, 'fixtures/models/tiny-llama');
const source = join(root, '..', 'shared', 'data', 'train', 'alpaca-en-zh');
const args = process.argv.slice(2);
const arg = (name) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};

if (args[0] === '--prepare-child') {
  // Child: prepare only, then report timing and peak RSS as one JSON line.
  const { prepareParallel } = await import(dataDist);
  const limit = arg('--limit') ? Number(arg('--limit')) : undefined;
  const t0 = performance.now();
  const s = await prepareParallel({ input: source, tokenizer: tokenizerDir, outDir: args[1], limit, validationFraction: 0.01, jobs: Number(arg('--jobs')) });
  const seconds = (performance.now() - t0) / 1000;
  process.stdout.write(JSON.stringify({ seconds, counts: s.counts, maxRssKiB: process.resourceUsage().maxRSS, files: s.files }) + '\n');
  process.exit(0);
}

if (!existsSync(source)) {
  console.log(`bench data: skipped, ${source} not found (the shared data folder is not next to the repo)`);
  process.exit(0);
}
if (!existsSync(fileURLToPath(dataDist))) {
  console.error('bench data: packages/data/dist missing, run `pnpm --filter @dft/data... build` first');
  process.exit(1);
}

const cores = availableParallelism();
const list = (name, dflt) => (arg(name) ?? dflt).split(',').filter(Boolean);
const SETS = { '52k': undefined, '5k': 5000 };
const sets = list('--sets', '5k,52k');
for (const s of sets) if (!(s in SETS)) throw new Error(`bench data: unknown set "${s}" (5k, 52k)`);
const engines = list('--engines', 'rust,js');
const jobsList = list('--jobs', `1,${cores}`).map(Number);

const work = arg('--out') ?? mkdtempSync(join(tmpdir(), 'dft-bench-data-'));
const plan = arg('--runs')
  ? arg('--runs').split(',').map((r) => {
      const [set, engine, jobs] = r.split(':');
      if (!(set in SETS) || !['rust', 'js'].includes(engine) || !(Number(jobs) >= 1)) throw new Error(`bench data: bad run "${r}" (set:engine:jobs, e.g. 52k:rust:2)`);
      return { set, engine, jobs: Number(jobs) };
    })
  : sets.flatMap((set) => engines.flatMap((engine) => jobsList.map((jobs) => ({ set, engine, jobs }))));
const runs = [];
let readFrom = null;
for (const { set, engine, jobs } of plan) {
  const outDir = join(work, `${set}-${engine}-${jobs}`);
  const load = [loadavg()[0]];
  const limit = SETS[set];
  const child = spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--prepare-child', outDir, '--jobs', String(jobs), ...(limit ? ['--limit', String(limit)] : [])], {
    encoding: 'utf8',
    maxBuffer: 1 << 24,
    env: { ...process.env, DFT_TOKENIZER_ENGINE: engine },
  });
  if (child.status !== 0) {
    console.error(child.stderr);
    process.exit(child.status ?? 1);
  }
  load.push(loadavg()[0]);
  const prep = JSON.parse(child.stdout.trim().split('\n').pop());
  const run = { set, engine, jobs, records: prep.counts.records, written: prep.counts.written, seconds: prep.seconds, rowsPerS: prep.counts.records / prep.seconds, peakRssMiB: prep.maxRssKiB / 1024, load1: load, counts: prep.counts };
  runs.push(run);
  console.error(`  ${set} ${engine} jobs ${jobs}: ${run.rowsPerS.toFixed(0)} rows/s, ${run.peakRssMiB.toFixed(0)} MiB, load ${load.map((l) => l.toFixed(1)).join(' → ')}`);
  if (readFrom === null || (set === '52k' && readFrom.set !== '52k')) readFrom = { set, file: prep.files.train };
}

const { openDataset } = await import(dataDist);
const ds = await openDataset(readFrom.file);
async function epoch(opts) {
  const t0 = performance.now();
  let rows = 0;
  let tokens = 0;
  let padded = 0;
  for await (const b of ds.batches(opts)) {
    rows += b.rows.length;
    for (const s of Object.values(b.sequences)) {
      padded += s.ids.length;
      for (let i = 0; i < s.attentionMask.length; i++) tokens += s.attentionMask[i];
    }
  }
  const seconds = (performance.now() - t0) / 1000;
  return { rows, seconds, rowsPerS: rows / seconds, realTokens: tokens, paddedTokens: padded, paddingShare: 1 - tokens / padded };
}
const reads = {
  'all kinds, shuffled': await epoch({ batchSize: 32, shuffle: { seed: 1 } }),
  'all kinds, shuffled + bucketed': await epoch({ batchSize: 32, shuffle: { seed: 1 }, bucketByLength: true }),
  'tft only, shuffled + bucketed': await epoch({ batchSize: 32, shuffle: { seed: 1 }, bucketByLength: true, kinds: ['tft'] }),
};
await ds.close();

const result = {
  date: new Date().toISOString(),
  node: process.version,
  cpus: cpus().length,
  cpuModel: cpus()[0]?.model,
  tokenizer: 'Llama-2 (fixtures/models/tiny-llama/tokenizer.json)',
  prepare: runs,
  readAndBatch: { set: readFrom.set, ...reads },
};
const resultsDir = join(root, 'bench', 'results');
mkdirSync(resultsDir, { recursive: true });
const tmp = join(resultsDir, `.data.json.tmp-${process.pid}`);
writeFileSync(tmp, JSON.stringify(result, null, 2) + '\n');
renameSync(tmp, join(resultsDir, 'data.json'));
if (!arg('--out')) rmSync(work, { recursive: true, force: true });

const f = (x, d = 0) => x.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });
console.log(`\n@dft/data benchmark (Llama-2 tokenizer, maxLength 512, ${cores} cores)\n`);
console.log('| prepare | engine | jobs | records → rows | seconds | rows/s | peak RSS MiB | load (1 min) |');
console.log('|---|---|---:|---:|---:|---:|---:|---:|');
for (const r of runs)
  console.log(`| ${r.set} | ${r.engine} | ${r.jobs} | ${f(r.records)} → ${f(r.written)} | ${f(r.seconds, 1)} | ${f(r.rowsPerS)} | ${f(r.peakRssMiB)} | ${r.load1.map((l) => f(l, 1)).join(' → ')} |`);
console.log(`\n| read + batch (${readFrom.set}, batch 32) | rows | seconds | rows/s | padding |`);
console.log('|---|---:|---:|---:|---:|');
for (const [name, r] of Object.entries(reads)) console.log(`| ${name} | ${f(r.rows)} | ${f(r.seconds, 2)} | ${f(r.rowsPerS)} | ${f(100 * r.paddingShare, 1)} % |`);
console.log(`\nwritten to bench/results/data.json`);
