#!/usr/bin/env node
// @dft/eval benchmark: multiple-choice scoring (choices/s, XCOPA-zh) and greedy QA generation (new tokens/s,
// XQuAD-zh) on the tiny LLaMA fixture, batched against one example at a time; then the whole `dft eval` command on
// xcopa_zh + xnli_en (every example: the workload lm-evaluation-harness was timed on for the README's comparison).
//
//   pnpm build && node bench/eval.mjs [--backend wasm|cpu] [--mc N] [--tqa N] [--qa N] [--gen-tokens N] [--dft-eval false]
//
// Prints a table and writes bench/results/eval.json. Needs ../shared/data/eval (skips with a message without it).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { loadPretrained, selectBackend } from '@dft/core';
import { printTable, writeResults } from './results-io.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const evalDist = join(root, 'packages/eval/dist/index.js');
// Task loading, sampling and request building are the evaluator's internals (@dft/eval/internal).
const evalInternalDist = join(root, 'packages/eval/dist/internal.js');
const dataDir = join(root, '..', 'shared', 'data', 'eval');
const modelDir = join(root, 'fixtures/models/tiny-llama');
const args = process.argv.slice(2);
const opt = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
};
const mcN = Number(opt('mc', '64'));
const qaN = Number(opt('qa', '8'));
const genTokens = Number(opt('gen-tokens', '24'));

if (!existsSync(dataDir)) {
  console.log(`bench eval: skipped, ${dataDir} not found (the shared data folder is not next to the repo)`);
  process.exit(0);
}
if (!existsSync(evalDist)) {
  console.error('bench eval: packages/eval/dist missing, run `pnpm --filter @dft/eval build` first');
  process.exit(1);
}
const ev = { ...(await import(pathToFileURL(evalDist).href)), ...(await import(pathToFileURL(evalInternalDist).href)) };
const backend = await selectBackend({ prefer: opt('backend', undefined), log: null });
const { model, tokenizer } = loadPretrained(modelDir, { log: null });
const maxLength = model.config.maxPositionEmbeddings;

const seconds = async (fn) => {
  const t = performance.now();
  const out = await fn();
  return { out, s: (performance.now() - t) / 1000 };
};

// Multiple choice: XCOPA-zh log-likelihoods (context shared by the two choices).
const xcopa = await ev.loadTask('xcopa', 'zh', { dataDir });
const mcExamples = ev.sampleExamples(xcopa.examples, { limit: mcN });
const { requests } = ev.truncateRequests(await Promise.all(mcExamples.map((e) => ev.tokenizeMc(tokenizer, e))), maxLength, mcExamples.map((e) => e.id));
const choices = requests.reduce((a, r) => a + r.continuations.length, 0);
ev.loglikelihoods(model, requests.slice(0, 4), { batchSize: 4 }); // warm-up (kernel compilation, caches)
const rows = [];
for (const [label, opts] of [
  ['batched 16 (auto: rows)', { batchSize: 16 }],
  ['batched 16, shared context', { batchSize: 16, strategy: 'shared' }],
  ['one at a time', { batchSize: 1 }],
]) {
  const { s } = await seconds(() => ev.loglikelihoods(model, requests, opts));
  rows.push({ task: 'xcopa:zh (MC)', mode: label, items: mcExamples.length, work: `${choices} choices`, seconds: s, rate: choices / s, unit: 'choices/s' });
}

// Long shared context: TruthfulQA MC2 (six-shot primer + question, ~7 answers each).
const tqa = await ev.loadTask('truthfulqa_mc2', 'en', { dataDir });
const tqaExamples = ev.sampleExamples(tqa.examples, { limit: Number(opt('tqa', '8')) });
const tqaReqs = ev.truncateRequests(await Promise.all(tqaExamples.map((e) => ev.tokenizeMc(tokenizer, e))), maxLength, tqaExamples.map((e) => e.id)).requests;
const tqaChoices = tqaReqs.reduce((a, r) => a + r.continuations.length, 0);
for (const [label, opts] of [
  ['batched 8, shared context', { batchSize: 8, strategy: 'shared' }],
  ['batched 8, padded rows', { batchSize: 8, strategy: 'rows' }],
]) {
  const { s } = await seconds(() => ev.loglikelihoods(model, tqaReqs, opts));
  rows.push({ task: 'truthfulqa_mc2 (MC)', mode: label, items: tqaExamples.length, work: `${tqaChoices} choices`, seconds: s, rate: tqaChoices / s, unit: 'choices/s' });
}

// Generation: XQuAD-zh greedy answers until "\n" (a random model rarely stops early, so rows run full length).
const xquad = await ev.loadTask('xquad', 'zh', { dataDir });
const prompts = ev.sampleExamples(xquad.examples, { limit: qaN }).map((e) => e.prompt);
await ev.greedyAnswers(model, tokenizer, prompts.slice(0, 2), { batchSize: 2, maxGenTokens: 2 }); // warm-up
for (const [label, batchSize] of [['batched 8', 8], ['one at a time', 1]]) {
  const { out, s } = await seconds(() => ev.greedyAnswers(model, tokenizer, prompts, { batchSize, maxGenTokens: genTokens }));
  rows.push({ task: 'xquad:zh (gen)', mode: label, items: prompts.length, work: `${out.tokens} new tokens`, seconds: s, rate: out.tokens / s, unit: 'tokens/s (incl. prefill)' });
}
model.dispose();

// The whole command as a user runs it (process start, model and data loading included), on the same backend.
const cli = join(root, 'packages/cli/dist/bin.js');
if (opt('dft-eval', 'true') !== 'false' && existsSync(cli)) {
  const t = performance.now();
  const run = spawnSync(process.execPath, [cli, 'eval', '--model', modelDir, '--tasks', 'xcopa_zh,xnli_en', '--eval-data-dir', dataDir, '--backend', backend, '--json'], { encoding: 'utf8', maxBuffer: 1 << 26 });
  const s = (performance.now() - t) / 1000;
  if (run.status !== 0) throw new Error(`bench eval: dft eval failed (${run.status}): ${run.stderr.slice(-2000)}`);
  const n = new Map(JSON.parse(run.stdout).map((r) => [r.task, r.n]));
  const examples = [...n.values()].reduce((a, b) => a + b, 0);
  rows.push({ task: 'xcopa_zh + xnli_en', mode: 'dft eval (whole command)', items: examples, work: `${examples} examples`, seconds: s, rate: examples / s, unit: 'examples/s' });
}

printTable(`@dft/eval throughput on tiny-llama (backend ${backend})`, rows);
const file = writeResults('eval', rows, { backend, model: 'tiny-llama', maxLength, genTokens });
console.log(`\nwrote ${file}`);
