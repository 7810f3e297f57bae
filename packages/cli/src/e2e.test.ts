import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadPretrained, selectBackend, type LogRow } from '@dft/core';
import { Tokenizer } from '@dft/tokenizer';
import { ALPACA_TEMPLATE, renderPrompt } from '@dft/data';
import { ExampleTokenizer } from '@dft/data/internal';
import { resultsMarkdown, type ResultRow } from '@dft/eval';
import { dft, EVAL_DATA, readJson, readJsonLines, SLICE, stepDirs, tempDir, TINY_LLAMA, writeShortRecords } from './test-utils/cli-harness.js';

/*
 * The end-to-end test of the training issue: prepare the bundled en–zh slice → train a few steps with each method on
 * the tiny LLaMA fixture → evaluate with a limit → resume → report; and an overfit run on 8 examples.
 * Steps are few and batches tiny: the fixture's 32k-vocabulary head dominates the cost.
 */

const LOG_KEYS = ['step', 'epoch', 'loss', 'tft', 'lc', 'et', 'lr', 'learning_rate', 'gradNorm', 'grad_norm', 'tokens', 'tokPerS', 'elapsedS', 'peakBytes'];
const CHECKPOINT_FILES = [
  'config.json',
  'generation_config.json',
  'model.safetensors',
  'tokenizer.json',
  'tokenizer_config.json',
  'special_tokens_map.json',
  'optimizer.safetensors',
  'trainer_state.json',
];

let tmp: ReturnType<typeof tempDir>;
let data: string;
beforeAll(() => {
  tmp = tempDir('e2e');
  data = join(tmp.dir, 'en-zh');
});
afterAll(() => tmp.remove());

/** The `<circle>` points of one series in the report: [data-x, data-y]. */
function chartPoints(html: string, series: string): [number, number][] {
  const re = new RegExp(`<circle [^>]*data-series="${series}" data-x="([^"]+)" data-y="([^"]+)"`, 'g');
  return [...html.matchAll(re)].map((m) => [Number(m[1]), Number(m[2])]);
}

/** Every logged value of `key` appears as a chart point at its step. */
function expectCharted(html: string, log: LogRow[], key: string): void {
  expect(chartPoints(html, key)).toEqual(log.filter((r) => r[key] !== undefined).map((r) => [r.step, r[key]]));
}

/** Checks what one run left in `out` and returns its log. */
function checkRun(out: string, steps: number, method: string): LogRow[] {
  const log = readJsonLines<LogRow>(join(out, 'log.jsonl'));
  expect(log.map((r) => r.step)).toEqual(Array.from({ length: steps }, (_, i) => i + 1));
  for (const row of log) {
    for (const k of LOG_KEYS) {
      expect(row, `log.jsonl step ${row.step} key ${k}`).toHaveProperty(k);
      expect(Number.isFinite(row[k])).toBe(true);
    }
    // L = L_TFT + λ_LC·L_LC + λ_ET·L_ET with both λ = 1.
    expect(row.loss).toBeCloseTo(row.tft + row.lc + row.et, 4);
    expect(row.tokens).toBeGreaterThan(0);
    expect(row.peakBytes).toBeGreaterThan(0);
    if (method.startsWith('dft-')) {
      expect(row.lc).toBeGreaterThan(0);
      expect(row.et).toBeGreaterThan(0);
    } else {
      expect(row.lc).toBe(0);
      expect(row.et).toBe(0);
    }
  }
  const last = join(out, stepDirs(out).pop()!);
  for (const f of CHECKPOINT_FILES) expect(existsSync(join(last, f)), `${last}/${f}`).toBe(true);
  const state = readJson<{ step: number; global_step: number; config: { method: string }; log_history: LogRow[] }>(join(last, 'trainer_state.json'));
  expect(state.step).toBe(steps);
  expect(state.global_step).toBe(steps);
  expect(state.config.method).toBe(method);
  expect(state.log_history).toEqual(log);
  const html = readFileSync(join(out, 'report.html'), 'utf8');
  for (const key of ['loss', 'tft', 'lc', 'et', 'lr', 'tokPerS', 'gradNorm']) expectCharted(html, log, key);
  expect(html).not.toMatch(/<script|https?:\/\/(?!www\.w3\.org)/);
  return log;
}

/** Common flags of the short runs: tiny batches, no warmup (so step 1 trains). */
const SHORT = ['--model', TINY_LLAMA, '--micro-batch', '1', '--lr', '1e-3', '--warmup-ratio', '0', '--max-steps', '2'];
/** sft and tft accumulate 2 micro-batches per step; the DFT methods (2–3 passes each) take one example per step. */
const ACCUMULATE = ['--global-batch', '2'];
const SINGLE = ['--global-batch', '1'];

describe('end-to-end: prepare → train (4 methods) → eval → resume → report', () => {
  it('prepares the bundled en–zh slice with the model tokenizer', async () => {
    const r = await dft('prepare', '--input', SLICE, '--tokenizer', TINY_LLAMA, '--out', data, '--max-length', '128', '--limit', '100', '--json');
    expect(r.code).toBe(0);
    const summary = JSON.parse(r.out) as { counts: { records: number; written: number; perLang: Record<string, number> }; files: { train: string } };
    expect(summary.counts.records).toBe(100);
    expect(summary.counts.written).toBeGreaterThan(50);
    expect(summary.counts.perLang).toEqual({ zh: summary.counts.written });
    expect(summary.files.train).toBe(join(data, 'train.arrow'));
    expect(existsSync(join(data, 'dataset.json'))).toBe(true);
  });

  it('sft: trains 2 steps (2 micro-batches each) and writes checkpoint, log and report', async () => {
    const out = join(tmp.dir, 'sft');
    const r = await dft('train', ...SHORT, ...ACCUMULATE, '--data', data, '--method', 'sft', '--out', out);
    expect(r.err).not.toMatch(/error/);
    expect(r.code).toBe(0);
    const log = checkRun(out, 2, 'sft');
    // The progress lines on a pipe are the log rows, as JSON.
    const events = r.out.trim().split('\n').map((l) => JSON.parse(l) as { event: string } & LogRow);
    expect(events.filter((e) => e.event === 'step').map(({ event: _, ...row }) => row)).toEqual(log);
    expect(events.at(-1)).toEqual({ event: 'info', message: `report:     ${join(out, 'report.html')}` });
    // The checkpoint is a Hugging Face model folder: it loads, with the fixture's tokenizer and trained weights.
    await selectBackend({ prefer: 'wasm', log: null });
    const trained = loadPretrained(join(out, 'step-000002'), { log: null });
    const original = loadPretrained(TINY_LLAMA, { log: null });
    try {
      // Same architecture and config.json: the checkpoint keeps the fixture's float16.
      expect(trained.model.config).toEqual(original.model.config);
      expect(trained.model.config.raw).toMatchObject({ torch_dtype: 'float16' });
      expect(trained.tokenizer!.hash).toBe(original.tokenizer!.hash);
      const w = (p: typeof trained, n: string) => p.model.params.get(n)!.dataSync();
      const changed = (n: string) => w(trained, n).some((v, i) => v !== w(original, n)[i]);
      expect(changed('lm_head.weight')).toBe(true);
      expect(changed('model.layers.0.mlp.up_proj.weight')).toBe(true);
    } finally {
      trained.model.dispose();
      original.model.dispose();
    }
  });

  it('generate: a dft train checkpoint gets its prompts in the Alpaca template of its data, token for token as in training', async () => {
    const checkpoint = join(tmp.dir, 'sft', 'step-000002');
    const q = '三原色是什么？';
    const r = await dft('generate', '--model', checkpoint, '--prompt', q, '--max-new-tokens', '2', '--json');
    expect(r.code).toBe(0);
    const [row] = JSON.parse(r.out) as { format: string; input: string; inputTokens: number[]; tokens: number[] }[];
    expect(row.format).toBe('alpaca');
    expect(row.input).toBe(renderPrompt(ALPACA_TEMPLATE, q, '').text);
    expect(row.input.endsWith('\n\n### Instruction:\n三原色是什么？\n\n### Response:')).toBe(true);
    // The prompt ids of a training example with this instruction (BOS + the rendered template).
    const tok = Tokenizer.fromDir(checkpoint);
    const [example] = await new ExampleTokenizer(tok, ALPACA_TEMPLATE, 128).tokenizeBatch([{ id: 'q', lang: 'zh', instruction: q, input: '', output: '红、绿、蓝', enInstruction: 'What are the three primary colors?', enInput: '', enOutput: 'Red, green, blue' }]);
    expect(example!.ok && row.inputTokens).toEqual(example!.ok && example!.value.promptIds);
    expect(row.inputTokens[0]).toBe(tok.special.bosId);
    const plain = await dft('generate', '--model', checkpoint, '--prompt', q, '--max-new-tokens', '2');
    expect(plain.err).toContain(`generate: prompts in the alpaca format of ${join(data, 'dataset.json')} (--raw for none)`);
    const raw = await dft('generate', '--model', checkpoint, '--prompt', q, '--max-new-tokens', '2', '--raw', '--json');
    expect(JSON.parse(raw.out)[0]).toMatchObject({ format: 'raw', input: q, inputTokens: tok.encode(q) });
  });

  it('tft: evaluates during training (--eval-every) and charts the scores', async () => {
    const out = join(tmp.dir, 'tft');
    const r = await dft('train', ...SHORT, ...ACCUMULATE, '--data', data, '--method', 'tft', '--out', out, '--eval-every', '1', '--eval-tasks', 'xcopa:zh', '--eval-limit', '4', '--eval-data-dir', EVAL_DATA);
    expect(r.code).toBe(0);
    const log = checkRun(out, 2, 'tft');
    for (const row of log) {
      // 4 examples: accuracy is a multiple of 25 %.
      expect([0, 25, 50, 75, 100]).toContain(row['eval/xcopa:zh/acc']);
    }
    const html = readFileSync(join(out, 'report.html'), 'utf8');
    expect(chartPoints(html, 'xcopa:zh/acc')).toEqual(log.map((r) => [r.step, r['eval/xcopa:zh/acc']]));
    // Each evaluation during training wrote its own harness results file, holding the logged accuracy.
    const harness = readdirSync(out).filter((f) => /^results_.+\.json$/.test(f)).sort();
    expect(harness).toHaveLength(log.length);
    expect(harness.map((f) => readJson<{ results: { xcopa_zh: { 'acc,none': number } } }>(join(out, f)).results.xcopa_zh['acc,none'] * 100)).toEqual(
      log.map((r) => r['eval/xcopa:zh/acc']),
    );
  });

  it('dft-logits (lcLayer 1, etLayer 2): every DFT term present and non-zero; resumes from latest for 2 more steps', async () => {
    const out = join(tmp.dir, 'dft-logits');
    const args = [...SHORT, ...SINGLE, '--data', data, '--method', 'dft-logits', '--lc-layer', '1', '--et-layer', '2', '--out', out];
    const first = await dft('train', ...args);
    expect(first.code).toBe(0);
    const before = checkRun(out, 2, 'dft-logits');
    const resumed = await dft('train', ...args, '--resume-from', 'latest', '--max-steps', '4');
    expect(resumed.code).toBe(0);
    const after = checkRun(out, 4, 'dft-logits');
    // The resumed run continues the log: the first two rows are the earlier run's, unchanged.
    expect(after.slice(0, 2)).toEqual(before);
    expect(after[2].elapsedS).toBeGreaterThanOrEqual(before[1].elapsedS);
    // keepLast 2 (default): the checkpoint resumed from and the new one.
    expect(stepDirs(out)).toEqual(['step-000002', 'step-000004']);
    expect(resumed.out).toContain(`checkpoint: ${join(out, 'step-000004')}`);
  });

  it('dft-feature: trains with its English pass, then the final evaluation writes results (xcopa:zh, xquad:zh, limit 3)', async () => {
    const out = join(tmp.dir, 'dft-feature');
    const r = await dft(
      'train', ...SHORT, ...SINGLE, '--data', data, '--method', 'dft-feature', '--lc-layer', '1', '--et-layer', '2', '--out', out,
      '--final-eval-tasks', 'xcopa:zh,xquad:zh', '--final-eval-limit', '3', '--eval-data-dir', EVAL_DATA,
    );
    expect(r.code).toBe(0);
    checkRun(out, 2, 'dft-feature');
    const rows = readJson<ResultRow[]>(join(out, 'eval-dft-feature-step-2.json'));
    expect(rows.filter((x) => x.task === 'xcopa').map((x) => x.metric)).toEqual(['acc', 'acc_norm']);
    expect(rows.find((x) => x.task === 'xquad' && x.metric === 'f1')).toBeDefined();
    for (const x of rows) {
      expect(x.n).toBe(3);
      expect(x.model).toBe('dft-feature-step-2');
      expect(x.value).toBeGreaterThanOrEqual(0);
      expect(x.value).toBeLessThanOrEqual(100);
    }
    expect(readFileSync(join(out, 'eval-dft-feature-step-2.md'), 'utf8')).toContain('| dft-feature-step-2 | xcopa | zh | acc |');
    // The same library writer as dft eval: an lm-evaluation-harness results file beside our rows.
    const harness = readdirSync(out).filter((f) => /^results_.*\.json$/.test(f));
    expect(harness).toHaveLength(1);
    const results = readJson<{ results: Record<string, Record<string, number>>; 'n-samples': Record<string, { effective: number }> }>(join(out, harness[0]));
    expect(Object.keys(results.results)).toEqual(['xcopa_zh', 'xquad_zh']);
    expect(results.results.xcopa_zh['acc,none']).toBeCloseTo(rows.find((x) => x.task === 'xcopa' && x.metric === 'acc')!.value / 100, 12);
    expect(results['n-samples'].xquad_zh.effective).toBe(3);
    // The closing lines name every results file.
    const infos = r.out.trim().split('\n').map((l) => JSON.parse(l) as { event: string; message?: string }).filter((e) => e.event === 'info').map((e) => e.message);
    expect(infos).toContain(`results:    ${join(out, 'eval-dft-feature-step-2.json')}`);
    expect(infos).toContain(`            ${join(out, 'eval-dft-feature-step-2.md')}`);
    expect(infos).toContain(`            ${join(out, harness[0]!)}`);
    // The run ends with the evaluation table, as dft eval prints it (on a pipe: inside the last JSON line).
    expect(JSON.parse(r.out.trim().split('\n').at(-1)!)).toEqual({ event: 'results', rows, markdown: resultsMarkdown(rows) });
    const html = readFileSync(join(out, 'report.html'), 'utf8');
    expect(html).toContain('<h2>Final evaluation</h2>');
    expect(html).toContain('<td>xquad</td><td>zh</td><td>f1</td>');
  });

  it('overfits 8 examples: the loss drops by at least half within 4 steps', async () => {
    const raw = join(tmp.dir, 'eight.json');
    writeShortRecords(raw, 8);
    const eight = join(tmp.dir, 'eight');
    const prep = await dft('prepare', '--input', raw, '--tokenizer', TINY_LLAMA, '--out', eight, '--max-length', '128', '--json');
    expect(JSON.parse(prep.out).counts.written).toBe(8);
    const out = join(tmp.dir, 'overfit');
    const r = await dft(
      'train', '--model', TINY_LLAMA, '--data', eight, '--method', 'tft', '--out', out,
      '--global-batch', '8', '--micro-batch', '8', '--epochs', '100', '--max-steps', '4',
      '--lr', '1e-2', '--warmup-ratio', '0', '--schedule', 'constant',
    );
    expect(r.code).toBe(0);
    const log = checkRun(out, 4, 'tft');
    // The same 8 examples every step.
    expect(new Set(log.map((x) => x.tokens)).size).toBe(1);
    expect(log.at(-1)!.loss).toBeLessThanOrEqual(0.5 * log[0].loss);
  });
});
