#!/usr/bin/env node
// `dft train` report in a real browser: a short run of the main job's config (examples/dft-zh.json: dft-logits on
// the bundled en-zh slice, the tiny LLaMA) with evaluation during training, then its report.html rendered by
// headless Chromium to bench/results/report.png (1200×1600). Also checks that every logged value is a chart point
// and keeps the HTML next to the PNG. Without chromium the screenshot is skipped with a message.
//
//   pnpm build && node bench/report.mjs [--steps N]
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RESULTS_DIR, printTable, writeResults } from './results-io.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bin = join(root, 'packages/cli/dist/bin.js');
const screenshotDist = join(root, 'packages/cli/dist/report/screenshot.js');
const args = process.argv.slice(2);
const steps = Number(args[args.indexOf('--steps') + 1] ?? 0) || 12;
if (!existsSync(bin) || !existsSync(screenshotDist)) {
  console.error('bench report: packages/cli/dist missing, run `pnpm build` first');
  process.exit(1);
}
const { screenshotHtml } = await import(screenshotDist);

const tmp = mkdtempSync(join(tmpdir(), 'dft-bench-report-'));
try {
  const out = join(tmp, 'run');
  const t0 = performance.now();
  const run = spawnSync(
    process.execPath,
    [
      bin, 'train', '--config', join(root, 'examples/dft-zh.json'), '--out', out,
      '--max-steps', String(steps), '--micro-batch', '2', '--global-batch', '2', '--max-length', '128',
      '--eval-every', String(Math.max(1, Math.floor(steps / 3))), '--eval-tasks', 'xcopa:zh', '--eval-limit', '10',
      '--final-eval-tasks', 'xcopa:zh', '--final-eval-limit', '20',
    ],
    { encoding: 'utf8', maxBuffer: 1 << 26 },
  );
  const seconds = (performance.now() - t0) / 1000;
  if (run.status !== 0) {
    console.error(`bench report: dft train failed (${run.status}):\n${run.stderr}`);
    process.exit(1);
  }
  const html = readFileSync(join(out, 'report.html'), 'utf8');
  const log = readFileSync(join(out, 'log.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  // Every logged value must be a <circle data-series data-x data-y> of its chart.
  const points = (series) => [...html.matchAll(new RegExp(`data-series="${series}" data-x="([^"]+)" data-y="([^"]+)"`, 'g'))].map((m) => [Number(m[1]), Number(m[2])]);
  const series = ['loss', 'tft', 'lc', 'et', 'lr', 'tokPerS', 'gradNorm', 'xcopa:zh/acc'];
  const missing = series.filter((s) => {
    const key = s.includes('/') ? `eval/${s}` : s;
    const want = log.filter((r) => r[key] !== undefined).map((r) => [r.step, r[key]]);
    return JSON.stringify(points(s)) !== JSON.stringify(want) || want.length === 0;
  });
  if (missing.length) {
    console.error(`bench report: charts do not hold the logged points of ${missing.join(', ')}`);
    process.exit(1);
  }
  const keptHtml = join(RESULTS_DIR, 'report.html');
  copyFileSync(join(out, 'report.html'), keptHtml);
  const png = join(RESULTS_DIR, 'report.png');
  const shot = await screenshotHtml(keptHtml, png, { width: 1200, height: 1600 });
  if ('skipped' in shot) console.log(`bench report: ${shot.skipped}`);
  const summary = {
    steps: log.length,
    trainSeconds: seconds,
    tokPerS: log.reduce((s, r) => s + r.tokPerS, 0) / log.length,
    firstLoss: log[0].loss,
    lastLoss: log.at(-1).loss,
    chartedSeries: series.length,
    chartPoints: series.reduce((s, x) => s + points(x).length, 0),
    htmlBytes: html.length,
    png: 'png' in shot ? `bench/results/report.png (${statSync(png).size} bytes)` : 'skipped (no chromium)',
  };
  printTable('dft train report (main job config, shortened), rendered in headless Chromium', [summary]);
  const file = writeResults('report', [summary]);
  console.log(`\nwritten to ${file}, ${keptHtml}${'png' in shot ? ` and ${png}` : ''}`);
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
