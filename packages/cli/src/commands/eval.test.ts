import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadPretrained, selectBackend } from '@dft/core';
import { evaluate, type ResultRow } from '@dft/eval';
import { dft, EVAL_DATA, readJson, tempDir, TINY_LLAMA } from '../test-utils/cli-harness.js';

interface Squad {
  data: { paragraphs: { qas: { id: string; answers: { text: string }[] }[] }[] }[];
}

const XQUAD_ZH = join(EVAL_DATA, 'xquad', 'xquad.zh.json');
const questions = readJson<Squad>(XQUAD_ZH).data.flatMap((a) => a.paragraphs.flatMap((p) => p.qas));
let tmp: ReturnType<typeof tempDir>;
beforeAll(() => {
  tmp = tempDir('eval');
});
afterAll(() => tmp.remove());

function predictions(name: string, rows: { id: string; prediction: string }[]): string {
  const path = join(tmp.dir, name);
  writeFileSync(path, rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
  return path;
}

const metric = (rows: ResultRow[], m: string) => rows.find((r) => r.metric === m)!;

describe('dft eval', () => {
  it('--predictions scores a file against the bundled XQuAD-zh slice without a model (gold answers → 100)', async () => {
    const gold = predictions('gold.jsonl', questions.slice(0, 12).map((q) => ({ id: q.id, prediction: q.answers[0].text })));
    const out = join(tmp.dir, 'results');
    const r = await dft('eval', '--tasks', 'xquad:zh', '--predictions', gold, '--data-dir', EVAL_DATA, '--json', '--out', out, '--name', 'gold');
    expect(r.code).toBe(0);
    const rows = JSON.parse(r.out) as ResultRow[];
    expect(rows.every((x) => x.task === 'xquad' && x.lang === 'zh' && x.n === 12 && x.model === 'gold')).toBe(true);
    expect(metric(rows, 'f1').value).toBe(100);
    expect(metric(rows, 'em').value).toBe(100);
    // --out writes the same rows as JSON and a Markdown table.
    expect(readJson<ResultRow[]>(join(out, 'eval-gold.json'))).toEqual(rows);
    expect(existsSync(join(out, 'eval-gold.md'))).toBe(true);
  });

  it('answers with no overlap score 0: 9 gold + 3 wrong of 12 → exact match 75', async () => {
    const mixed = questions.slice(0, 12).map((q, i) => ({ id: q.id, prediction: i < 9 ? q.answers[0].text : 'qqqq zzzz' }));
    const r = await dft('eval', '--tasks', 'xquad:zh', '--predictions', predictions('mixed.jsonl', mixed), '--data-dir', EVAL_DATA, '--json');
    expect(r.code).toBe(0);
    const rows = JSON.parse(r.out) as ResultRow[];
    expect(metric(rows, 'em').value).toBe(75);
    expect(metric(rows, 'f1').value).toBe(75);
    // Without --json: a Markdown table on stdout.
    const md = await dft('eval', '--tasks', 'xquad:zh', '--predictions', join(tmp.dir, 'mixed.jsonl'), '--data-dir', EVAL_DATA);
    expect(md.out).toMatch(/\| predictions \| xquad \| zh \| em \| 75\.00 \|/);
  });

  it('a prediction for an id the task does not have exits 1 naming the file and id', async () => {
    const r = await dft('eval', '--tasks', 'xquad:zh', '--predictions', predictions('stray.jsonl', [{ id: 'nope-1', prediction: 'x' }]), '--data-dir', EVAL_DATA);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/stray\.jsonl: id "nope-1" is not a question of xquad:zh/);
  });

  it('--model --tasks xcopa:zh --limit 20 --json gives the eval library rows for the same model and data', async () => {
    const r = await dft('eval', '--model', TINY_LLAMA, '--tasks', 'xcopa:zh', '--limit', '20', '--data-dir', EVAL_DATA, '--json');
    expect(r.code).toBe(0);
    // Progress off a TTY: JSON lines on stderr, from the task's start to its end.
    const events = r.err.trim().split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l));
    expect(events[0]).toEqual({ event: 'eval_start', task: 'xcopa', lang: 'zh', index: 0, total: 1, done: 0, n: 20 });
    expect(events.at(-1)).toMatchObject({ event: 'eval_done', done: 20, n: 20, eta_s: 0 });
    expect(events.filter((e) => e.event === 'eval_progress').map((e) => e.done)).toEqual([8, 16, 20]);
    const rows = JSON.parse(r.out) as ResultRow[];
    expect(rows.map((x) => x.metric)).toEqual(['acc', 'acc_norm']);
    await selectBackend({ prefer: 'wasm', log: null });
    const { model, tokenizer } = loadPretrained(TINY_LLAMA, { log: null });
    const lib = (await evaluate({ model, tokenizer, tasks: ['xcopa:zh'], limit: 20, dataDir: EVAL_DATA, modelName: 'tiny-llama' })).rows;
    model.dispose();
    // The rows name their backend (the CLI's default one here, wasm for the library); the numbers agree.
    const strip = (x: ResultRow) => ({ ...x, durationS: 0, config: { ...x.config, backend: null } });
    expect(rows.map(strip)).toEqual(lib.map(strip));
    for (const x of rows) {
      expect(x.n).toBe(20);
      // An accuracy over 20 examples is a multiple of 5 %, with the binomial standard error of the mean.
      expect(Number.isInteger(x.value / 5)).toBe(true);
      const p = x.value / 100;
      expect(x.stderr).toBeCloseTo(100 * Math.sqrt((p * (1 - p)) / 19), 6);
    }
  });

  it('--out twice: harness results files side by side, rows merged, --log-samples lines that match the predictions', async () => {
    const out = join(tmp.dir, 'twice');
    const common = ['--model', TINY_LLAMA, '--eval-data-dir', EVAL_DATA, '--out', out, '--json'];
    const first = await dft('eval', ...common, '--tasks', 'xcopa_zh', '--limit', '6', '--write-predictions', '--log-samples');
    expect(first.code).toBe(0);
    const files = () => readdirSync(out).sort();
    const [results1] = files().filter((f) => f.startsWith('results_'));
    expect(results1).toMatch(/^results_\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d\.\d{3}\.json$/);
    const harness = readJson<Record<string, any>>(join(out, results1));
    const rows = JSON.parse(first.out) as ResultRow[];
    expect(harness.results.xcopa_zh['acc,none']).toBeCloseTo(metric(rows, 'acc').value / 100, 12);
    expect(harness['n-samples'].xcopa_zh).toEqual({ original: 500, effective: 6 });
    expect(harness.config).toMatchObject({ model: TINY_LLAMA, model_name: 'tiny-llama', batch_size: 8, limit: 6, backend: expect.any(String) });
    const stamp = results1.slice('results_'.length, -'.json'.length);
    const samples = readFileSync(join(out, `samples_xcopa_zh_${stamp}.jsonl`), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    const preds = readFileSync(join(out, 'eval-tiny-llama-xcopa-zh.predictions.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(samples.map((x) => x.doc_id)).toEqual([0, 1, 2, 3, 4, 5]);
    samples.forEach((x, i) => {
      expect(x.filtered_resps).toEqual(preds[i].lls);
      expect(x.target).toBe(String(preds[i].gold));
      expect(x.acc).toBe(preds[i].scores.acc / 100);
      expect(x.arguments.gen_args_1.arg_0).toBe(x.arguments.gen_args_0.arg_0);
    });
    // A second evaluation of another task: a second results file; both tasks stay in eval-<model>.json.
    const second = await dft('eval', ...common, '--tasks', 'xquad:zh', '--limit', '2', '--max-new-tokens', '3');
    expect(second.code).toBe(0);
    expect(files().filter((f) => f.startsWith('results_'))).toHaveLength(2);
    expect(readJson<ResultRow[]>(join(out, 'eval-tiny-llama.json')).map((x) => `${x.task}:${x.metric}`)).toEqual([
      'xcopa:acc', 'xcopa:acc_norm', 'xquad:f1', 'xquad:em', 'xquad:f1_lang', 'xquad:em_lang',
    ]);
    // Re-running xcopa without --write-predictions drops its predictions file, which would no longer match.
    expect((await dft('eval', ...common, '--tasks', 'xcopa:zh', '--limit', '2')).code).toBe(0);
    expect(files().filter((f) => f.endsWith('.predictions.jsonl'))).toEqual([]);
    expect(readJson<ResultRow[]>(join(out, 'eval-tiny-llama.json')).filter((x) => x.task === 'xcopa').map((x) => x.n)).toEqual([2, 2]);
    expect((await dft('eval', '--model', TINY_LLAMA, '--tasks', 'xcopa:zh', '--log-samples')).err).toMatch(/--log-samples needs --out/);
  });

  it('usage errors exit 2: no --tasks, no --model or --predictions, a malformed --data pair', async () => {
    expect((await dft('eval', '--model', TINY_LLAMA)).err).toMatch(/--tasks is required/);
    const noModel = await dft('eval', '--tasks', 'xcopa:zh');
    expect(noModel.code).toBe(2);
    expect(noModel.err).toMatch(/--model is required \(or --predictions to score a file\)/);
    const badPair = await dft('eval', '--tasks', 'xcopa:zh', '--model', TINY_LLAMA, '--data', 'xcopa');
    expect(badPair.code).toBe(2);
    expect(badPair.err).toMatch(/--data expects task\[:lang\]=path, got "xcopa"/);
  });
});
