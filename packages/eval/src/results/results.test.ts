import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { toRows } from './rows.js';
import { resultsMarkdown } from './markdown.js';
import { fileTimestamp, mergeRows, predictionsFileName, resultFileNames, slug, writeResults } from './write.js';
import { harnessResults } from './harness-results.js';
import { sampleLines } from './samples.js';
import type { TaskRun } from '../evaluate.js';

const dir = mkdtempSync(join(tmpdir(), 'dft-eval-res-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const ctx = { model: 'llama', task: 'xcopa', lang: 'zh', durationS: 1.5, truncated: 0, config: { limit: 4 } };

describe('result rows and files', () => {
  it('aggregates per-example points into value ± stderr rows in metric order', () => {
    const rows = toRows(['acc', 'acc_norm'], { acc: [100, 0, 100, 100], acc_norm: [0, 0, 100, 0] }, ctx);
    expect(rows).toEqual([
      { model: 'llama', task: 'xcopa', lang: 'zh', metric: 'acc', value: 75, stderr: 25, n: 4, durationS: 1.5, truncated: 0, config: { limit: 4 } },
      { model: 'llama', task: 'xcopa', lang: 'zh', metric: 'acc_norm', value: 25, stderr: 25, n: 4, durationS: 1.5, truncated: 0, config: { limit: 4 } },
    ]);
    expect(() => toRows(['f1'], {}, ctx)).toThrow('xcopa:zh: no f1 scores to aggregate');
  });

  it('prints a Markdown table', () => {
    const rows = toRows(['f1'], { f1: [50] }, { ...ctx, task: 'mkqa', lang: 'zh_cn', truncated: 1 });
    expect(resultsMarkdown(rows)).toBe(
      '| model | task | lang | metric | value | ± stderr | n | truncated |\n' +
        '|---|---|---|---|---:|---:|---:|---:|\n' +
        '| llama | mkqa | zh_cn | f1 | 50.00 | – | 1 | 1 |\n',
    );
  });

  it('writes stable file names atomically (no temp files left)', () => {
    expect(slug('/models/Llama-2-7b-hf/')).toBe('Llama-2-7b-hf');
    expect(slug('runs/dft zh (λ=1)')).toBe('dft-zh-1');
    expect(resultFileNames('/m/llama-2-7b')).toEqual({ json: 'eval-llama-2-7b.json', markdown: 'eval-llama-2-7b.md' });
    expect(predictionsFileName('x/y', 'xquad', 'zh')).toBe('eval-y-xquad-zh.predictions.jsonl');
    const rows = toRows(['acc'], { acc: [100, 0] }, ctx);
    const paths = writeResults(join(dir, 'out'), rows, 'llama');
    expect(JSON.parse(readFileSync(paths.json, 'utf8'))).toEqual(rows);
    expect(readFileSync(paths.markdown, 'utf8')).toBe(resultsMarkdown(rows));
    expect(paths.harness).toBe(join(dir, 'out', `results_${fileTimestamp(Date.parse(readHarness(paths.harness).isoDate))}.json`));
    expect(readdirSync(join(dir, 'out')).sort()).toEqual(['eval-llama.json', 'eval-llama.md', paths.harness.split('/').pop()]);
  });
});

function readHarness(path: string): { isoDate: string } & Record<string, unknown> {
  const r = JSON.parse(readFileSync(path, 'utf8'));
  return { ...r, isoDate: new Date(r.date * 1000).toISOString() };
}

const config = (examples: number, extra: Record<string, unknown> = {}) => ({
  file: '/data/x', examples, backend: 'wasm', limit: 4, seed: null, batchSize: 8, maxLength: 512, ...extra,
});

describe('lm-evaluation-harness results files', () => {
  const xcopa = toRows(['acc', 'acc_norm'], { acc: [100, 0, 100, 100], acc_norm: [0, 0, 100, 0] }, { ...ctx, config: config(500) });
  const mc2 = toRows(['mc2'], { mc2: [40, 60] }, { ...ctx, task: 'truthfulqa_mc2', lang: 'en', durationS: 2, config: config(817) });
  const mlqa = toRows(['f1', 'em'], { f1: [50], em: [0] }, { ...ctx, task: 'mlqa', lang: 'zh', config: config(504, { maxGenTokens: 32 }) });

  it('keys results by the harness task names, metrics as "name,none" fractions, with the run\'s metadata', () => {
    const r = harnessResults([...xcopa, ...mc2, ...mlqa], { modelPath: '/m/llama', startedAt: 1700000000.5, gitHash: 'abc1234' }) as Record<string, any>;
    expect(Object.keys(r.results)).toEqual(['xcopa_zh', 'truthfulqa_mc2', 'mlqa_zh_zh']);
    expect(r.results.xcopa_zh).toEqual({ alias: 'xcopa_zh', 'acc,none': 0.75, 'acc_stderr,none': 0.25, 'acc_norm,none': 0.25, 'acc_norm_stderr,none': 0.25 });
    // TruthfulQA MC2 is the harness's "acc"; one example has no standard error ("N/A", as the harness writes).
    expect(r.results.truthfulqa_mc2['acc,none']).toBeCloseTo(0.5, 12);
    expect(r.results.mlqa_zh_zh).toEqual({ alias: 'mlqa_zh_zh', 'f1,none': 0.5, 'f1_stderr,none': 'N/A', 'exact_match,none': 0, 'exact_match_stderr,none': 'N/A' });
    expect(r.versions).toEqual({ xcopa_zh: 1, truthfulqa_mc2: 3, mlqa_zh_zh: 0.1 });
    expect(r['n-shot']).toEqual({ xcopa_zh: 0, truthfulqa_mc2: 0, mlqa_zh_zh: 0 });
    expect(r['n-samples']).toEqual({ xcopa_zh: { original: 500, effective: 4 }, truthfulqa_mc2: { original: 817, effective: 2 }, mlqa_zh_zh: { original: 504, effective: 1 } });
    expect(r.higher_is_better.xcopa_zh).toEqual({ acc: true, acc_norm: true });
    expect(r.config).toEqual({ model: '/m/llama', model_name: 'llama', backend: 'wasm', batch_size: 8, max_length: 512, limit: 4, random_seed: null });
    expect([r.git_hash, r.date, r.total_evaluation_time_seconds]).toEqual(['abc1234', 1700000000.5, '5']);
    // configs carry the prompt the model saw, rendered from the task's own builder.
    expect(r.configs.xcopa_zh).toMatchObject({
      task: 'xcopa_zh', dataset_path: 'cambridgeltl/xcopa', dataset_name: 'zh', output_type: 'multiple_choice', num_fewshot: 0,
      doc_to_text: '{{premise}} {{"因为" if question == "cause" else "所以"}}', doc_to_choice: ['{{choice1}}', '{{choice2}}'], target_delimiter: ' ',
      metadata: { version: 1 },
    });
    expect(r.configs.mlqa_zh_zh).toMatchObject({
      dataset_path: 'facebook/mlqa', dataset_name: 'mlqa.zh.zh', output_type: 'generate_until',
      doc_to_text: 'Context: {{context}}\n\nQuestion: {{question}}\n\nAnswer:',
      generation_kwargs: { until: ['\n'], do_sample: false, temperature: 0, max_gen_toks: 32 },
      metric_list: [{ metric: 'f1', aggregation: 'mean', higher_is_better: true }, { metric: 'exact_match', aggregation: 'mean', higher_is_better: true }],
    });
  });

  it('a second eval into the same folder adds a results file and merges the rows; stale predictions go', () => {
    const out = join(dir, 'twice');
    const run = (task: string, lang: string, n: number): TaskRun => ({
      kind: 'mc', task, lang, docIds: [0], maxGenTokens: null,
      examples: [{ id: 'a', context: 'c', choices: ['x', 'y'], delimiter: ' ', gold: 0 }],
      predictions: [{ id: 'a', gold: 0, pred: 0, lls: [-1, -n], scores: { acc: 100 } }],
    });
    const xnli = toRows(['acc'], { acc: [0, 100] }, { ...ctx, task: 'xnli', lang: 'en', config: config(2490) });
    const first = writeResults(out, [...xcopa, ...xnli], 'llama', { runs: [run('xcopa', 'zh', 2), run('xnli', 'en', 3)], predictions: true, startedAt: 1000 });
    expect(first.predictions.map((p) => p.split('/').pop())).toEqual(['eval-llama-xcopa-zh.predictions.jsonl', 'eval-llama-xnli-en.predictions.jsonl']);
    const again = toRows(['acc', 'acc_norm'], { acc: [0, 0], acc_norm: [100, 100] }, { ...ctx, config: config(500) });
    // Same start time: the second results file still gets a name of its own.
    const second = writeResults(out, again, 'llama', { startedAt: 1000 });
    expect(second.harness).not.toBe(first.harness);
    expect(second.harness).toBe(join(out, `results_${fileTimestamp(1000001)}.json`));
    expect(JSON.parse(readFileSync(first.harness, 'utf8')).results).toHaveProperty('xnli_en');
    expect(Object.keys(JSON.parse(readFileSync(second.harness, 'utf8')).results)).toEqual(['xcopa_zh']);
    const merged = JSON.parse(readFileSync(second.json, 'utf8'));
    expect(merged).toEqual([...again, ...xnli]);
    expect(merged).toEqual(mergeRows([...xcopa, ...xnli], again));
    expect(readFileSync(second.markdown, 'utf8')).toBe(resultsMarkdown(merged));
    // xcopa:zh was re-run without predictions: its old predictions no longer match its rows.
    expect(readdirSync(out).filter((f) => f.endsWith('.predictions.jsonl'))).toEqual(['eval-llama-xnli-en.predictions.jsonl']);
    writeFileSync(second.json, '{"broken"');
    expect(() => writeResults(out, again, 'llama')).toThrow(`${second.json} is not valid JSON`);
    // Nothing of the refused run is left behind.
    expect(readdirSync(out).filter((f) => f.startsWith('results_'))).toHaveLength(2);
  });

  it('samples lines: doc id, context and continuations, per-choice log-likelihoods, response, target, metrics', () => {
    const lines = sampleLines({
      kind: 'mc', task: 'truthfulqa_mc2', lang: 'en', docIds: [7], maxGenTokens: null,
      examples: [{ id: 't', context: 'Q: Why?\nA:', choices: ['yes', 'no'], delimiter: ' ', gold: 0, labels: [1, 0] }],
      predictions: [{ id: 't', gold: 0, pred: 1, lls: [-3.5, -1.25], scores: { mc2: 40 } }],
    });
    expect(lines[0]).toMatchObject({
      doc_id: 7,
      target: '0',
      arguments: { gen_args_0: { arg_0: 'Q: Why?\nA:', arg_1: ' yes' }, gen_args_1: { arg_0: 'Q: Why?\nA:', arg_1: ' no' } },
      resps: [[-3.5], [-1.25]],
      filtered_resps: [-3.5, -1.25],
      response: 1,
      metrics: ['acc'],
      acc: 0.4,
      filter: 'none',
    });
    expect(lines[0].prompt_hash).toMatch(/^[0-9a-f]{64}$/);
    const qa = sampleLines({
      kind: 'gen', task: 'xquad', lang: 'zh', docIds: [0], maxGenTokens: 16,
      examples: [{ id: 'q', prompt: 'P', answers: ['A', 'B'] }],
      predictions: [{ id: 'q', prediction: 'A', answers: ['A', 'B'], scores: { f1: 100, em: 100, f1_lang: 100, em_lang: 100 } }],
    });
    expect(qa[0]).toMatchObject({
      doc_id: 0, target: 'A', answers: ['A', 'B'], response: 'A', resps: [['A']],
      arguments: { gen_args_0: { arg_0: 'P', arg_1: { until: ['\n'], do_sample: false, max_gen_toks: 16 } } },
      f1: 1, exact_match: 1, f1_lang: 1, exact_match_lang: 1,
    });
  });
});
