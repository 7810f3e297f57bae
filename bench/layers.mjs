#!/usr/bin/env node
// `dft layers` end to end: prepare the bundled 300-row en-zh Alpaca slice with the tiny LLaMA's tokenizer, run
// the layer analysis with the bundled model, and keep its JSON, HTML and (when chromium is installed) the PNG
// screenshot of the HTML in bench/results/layers/. The fixture's weights are random, so the curves are flat-ish
// and the rule falls back to the paper's proportions; the run checks the pipeline, not the finding.
//
//   pnpm build && node bench/layers.mjs [--limit N] [--backend wasm|cpu]
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RESULTS_DIR, printTable, writeResults } from './results-io.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bin = join(root, 'packages/cli/dist/bin.js');
const model = join(root, 'fixtures/models/tiny-llama');
const source = join(root, 'packages/data/fixtures/alpaca-en-zh-300.json');
const args = process.argv.slice(2);
const arg = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : fallback;
};
if (!existsSync(bin)) {
  console.error('bench layers: packages/cli/dist missing, run `pnpm build` first');
  process.exit(1);
}

function dft(...a) {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [bin, ...a], { encoding: 'utf8', maxBuffer: 1 << 26 });
  if (r.status !== 0) {
    console.error(`dft ${a.join(' ')} failed (${r.status}):\n${r.stderr}`);
    process.exit(1);
  }
  return { ...r, seconds: (performance.now() - t0) / 1000 };
}

const tmp = mkdtempSync(join(tmpdir(), 'dft-bench-layers-'));
const out = join(RESULTS_DIR, 'layers');
try {
  const prep = dft('prepare', '--input', source, '--tokenizer', model, '--out', tmp);
  const limit = arg('--limit', '100');
  const run = dft('layers', '--model', model, '--data', tmp, '--languages', 'zh,en', '--limit', limit, '--out', out, '--backend', arg('--backend', 'wasm'));
  process.stdout.write(run.stdout);
  process.stderr.write(run.stderr.split('\n').filter((l) => !/rows$/.test(l)).join('\n'));
  const report = JSON.parse(readFileSync(join(out, 'layers.json'), 'utf8'));
  const m = report.models[0];
  const png = join(out, 'layers.png');
  const rows = m.analysis.curves.reduce((s, c) => s + (c.lang === 'en' ? 0 : c.n), 0);
  const summary = {
    model: 'fixtures/models/tiny-llama',
    rows,
    prepareSeconds: prep.seconds,
    layersSeconds: run.seconds,
    rowsPerS: rows / run.seconds,
    lcLayer: m.suggestion.lcLayer,
    etLayer: m.suggestion.etLayer,
    source: m.suggestion.source,
    png: existsSync(png) ? `bench/results/layers/layers.png (${statSync(png).size} bytes)` : 'skipped (no chromium)',
  };
  printTable('dft layers, end to end (wall clock, includes model load)', [summary]);
  const file = writeResults('layers', [summary], { curves: m.analysis.curves, suggestion: m.suggestion.explanation });
  console.log(`\nwritten to ${file} and ${out}/`);
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
