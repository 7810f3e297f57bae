import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Pretrained } from '@dft/core';
import { evaluate } from './evaluate.js';
import { scorePredictionsFile } from './score-predictions.js';
import { writeResults } from './results/write.js';
import { FIXTURES, HAS_SHARED, SHARED_EVAL, SKIP_SHARED, TINY_LLAMA } from './test-utils/paths.js';
import { loadTiny, useWasm } from './test-utils/models.js';
import { TASKS } from './tasks/registry.js';
import type { McPrediction } from './scoring/mc-metrics.js';

const STORY = {
  'xstorycloze:zh': join(FIXTURES, 'xstorycloze'),
  'xstorycloze:en': join(FIXTURES, 'xstorycloze', 'en.csv'),
};

describe('evaluate on tiny-llama', () => {
  let p: Pretrained;
  let out: string;
  beforeAll(async () => {
    await useWasm();
    p = loadTiny(TINY_LLAMA);
    out = mkdtempSync(join(tmpdir(), 'dft-eval-'));
  });
  afterAll(() => {
    p.model.dispose();
    rmSync(out, { recursive: true, force: true });
  });

  it.skipIf(!HAS_SHARED)(`runs every task and every language present end to end over the real files${SKIP_SHARED}`, async () => {
    const tasks = Object.keys(TASKS);
    const before = tf.memory().numTensors;
    const seen: string[] = [];
    const batches = new Map<string, number[]>();
    const { rows, predictions } = await evaluate({
      model: p.model,
      tokenizer: p.tokenizer,
      tasks: [...tasks.filter((t) => t !== 'xstorycloze'), 'xstorycloze:zh', 'xstorycloze:en'],
      dataDir: SHARED_EVAL,
      paths: STORY,
      limit: 2,
      batchSize: 4,
      maxGenTokens: 6,
      modelName: 'tiny-llama',
      onProgress: (e) => {
        const key = `${e.task}:${e.lang}`;
        if (e.phase === 'done') seen.push(key);
        if (e.phase === 'batch') batches.set(key, [...(batches.get(key) ?? []), e.done]);
      },
    });
    expect(tf.memory().numTensors).toBe(before);
    const expected = [
      ...['en', 'zh', 'vi', 'ar'].map((l) => `xnli:${l}`),
      ...['en', 'zh', 'vi'].map((l) => `xcopa:${l}`),
      'mmlu:en', 'truthfulqa_mc1:en', 'truthfulqa_mc2:en',
      ...['en', 'zh', 'vi', 'ar'].map((l) => `xquad:${l}`),
      ...['en', 'zh', 'vi', 'ar'].map((l) => `mlqa:${l}`),
      ...['en', 'zh_cn', 'vi', 'ar'].map((l) => `mkqa:${l}`),
      'xstorycloze:zh', 'xstorycloze:en',
    ];
    expect(seen.sort()).toEqual([...expected].sort());
    // batchSize 4 > limit 2: one batch per task, reporting both examples done.
    expect(batches.get('xquad:zh')).toEqual([2]);
    expect(batches.get('xstorycloze:en')).toEqual([1]);
    for (const key of expected) {
      const [task, lang] = key.split(':');
      const mine = rows.filter((r) => r.task === task && r.lang === lang);
      expect(mine.map((r) => r.metric)).toEqual(TASKS[task].metrics);
      for (const r of mine) {
        expect(Number.isFinite(r.value)).toBe(true);
        expect(r.value).toBeGreaterThanOrEqual(0);
        expect(r.value).toBeLessThanOrEqual(100);
        expect(r.n).toBe(task === 'xstorycloze' && lang === 'en' ? 1 : 2);
        expect(r.model).toBe('tiny-llama');
        expect(r.config.file).toMatch(task === 'xstorycloze' ? /fixtures/ : new RegExp(`${SHARED_EVAL}`));
      }
      expect(predictions[key].length).toBe(task === 'xstorycloze' && lang === 'en' ? 1 : 2);
    }
    // MC2 is a probability mass, strictly between 0 and 100 for a random model.
    const mc2 = rows.find((r) => r.metric === 'mc2')!;
    expect(mc2.value).toBeGreaterThan(0);
    expect(mc2.value).toBeLessThan(100);
    // Chinese / Arabic XQuAD passages exceed tiny-llama's 512 positions: their prompts are cut on the left.
    expect(rows.filter((r) => r.task === 'xquad').some((r) => r.truncated > 0)).toBe(true);
  });

  it.skipIf(!HAS_SHARED)(`random model: MC accuracy stays within chance ± 4 binomial SE${SKIP_SHARED}`, async () => {
    const { rows, predictions } = await evaluate({
      model: p.model,
      tokenizer: p.tokenizer,
      tasks: ['xcopa:zh', 'mmlu'],
      dataDir: SHARED_EVAL,
      limit: 100,
      seed: 7,
      batchSize: 16,
    });
    for (const key of ['xcopa:zh', 'mmlu:en']) {
      const preds = predictions[key] as McPrediction[];
      const chances = preds.map((x) => 1 / x.lls.length);
      const chance = chances.reduce((a, b) => a + b, 0) / preds.length;
      const se = Math.sqrt(chances.reduce((a, q) => a + q * (1 - q), 0)) / preds.length;
      const [task, lang] = key.split(':');
      for (const r of rows.filter((x) => x.task === task && x.lang === lang)) {
        expect(r.n).toBe(100);
        expect(Math.abs(r.value / 100 - chance)).toBeLessThanOrEqual(4 * se);
      }
    }
  });

  it.skipIf(!HAS_SHARED)(`writes per-example predictions that score back to the same F1 / EM${SKIP_SHARED}`, async () => {
    const result = await evaluate({
      model: p.model,
      tokenizer: p.tokenizer,
      tasks: ['xquad:vi'],
      dataDir: SHARED_EVAL,
      limit: 3,
      maxGenTokens: 5,
      modelName: 'tiny/llama',
    });
    const { rows } = result;
    const written = writeResults(out, rows, 'tiny/llama', { runs: result.runs, predictions: true });
    const file = join(out, 'eval-llama-xquad-vi.predictions.jsonl');
    expect(written.predictions).toEqual([file]);
    expect(existsSync(file)).toBe(true);
    const lines = readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(lines).toHaveLength(3);
    expect(Object.keys(lines[0]).sort()).toEqual(['answers', 'id', 'prediction', 'scores']);
    const again = await scorePredictionsFile({ task: 'xquad:vi', predictions: file, dataDir: SHARED_EVAL });
    expect(again.rows.map((r) => [r.metric, r.value, r.n])).toEqual(rows.map((r) => [r.metric, r.value, r.n]));
  });

  it('fails before running the model on a missing tokenizer, unknown task or language, missing file, bad limit', async () => {
    const base = { model: p.model, tokenizer: p.tokenizer, dataDir: join(out, 'nothing-here') };
    await expect(evaluate({ ...base, tokenizer: null, tasks: ['xnli:en'] })).rejects.toThrow('a tokenizer is required');
    await expect(evaluate({ ...base, tasks: ['xnli:en', 'squad:en'] })).rejects.toThrow('unknown task "squad"');
    await expect(evaluate({ ...base, tasks: ['xcopa:ar'] })).rejects.toThrow('task xcopa has no language "ar"');
    await expect(evaluate({ ...base, tasks: ['xnli:en'] })).rejects.toThrow(`default data folder ${join(out, 'nothing-here', 'xnli')} does not exist`);
    await expect(evaluate({ ...base, tasks: ['xstorycloze:zh'], paths: STORY, limit: -1 })).rejects.toThrow('limit must be a positive integer');
    const mkqa = { ...base, tasks: ['mkqa:en'], paths: { mkqa: join(FIXTURES, 'mkqa', 'mkqa.jsonl') } };
    await expect(evaluate({ ...mkqa, maxGenTokens: 512 })).rejects.toThrow('maxGenTokens 512 leaves no room for a prompt in 512 positions');
    await expect(evaluate({ ...mkqa, batchSize: 0 })).rejects.toThrow('batchSize must be a positive integer, got 0');
    await expect(evaluate({ ...base, tasks: ['xstorycloze:zh'], paths: STORY, batchSize: 1.5 })).rejects.toThrow('batchSize must be a positive integer');
  });
});
