import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseTaskSpecs } from './task-spec.js';
import { limitCount, sampleExamples } from './sample.js';
import { loadTask } from './load-task.js';
import { getTask, TASK_NAMES } from './registry.js';
import { fromHarnessName, harnessTaskName } from './harness-names.js';
import { FIXTURES, HAS_SHARED, SHARED_EVAL, SKIP_SHARED } from '../test-utils/paths.js';

describe('task specs', () => {
  it('parses task:lang, a bare task (default languages), langs, and drops duplicates', () => {
    expect(parseTaskSpecs(['xnli:zh', 'xcopa', 'xnli:zh'])).toEqual([
      { task: 'xnli', lang: 'zh' },
      { task: 'xcopa', lang: 'en' },
      { task: 'xcopa', lang: 'zh' },
      { task: 'xcopa', lang: 'vi' },
    ]);
    expect(parseTaskSpecs(['mmlu', 'truthfulqa_mc2'])).toEqual([
      { task: 'mmlu', lang: 'en' },
      { task: 'truthfulqa_mc2', lang: 'en' },
    ]);
    expect(parseTaskSpecs(['xcopa', 'xnli', 'mkqa'], ['zh', 'ar'])).toEqual([
      { task: 'xcopa', lang: 'zh' },
      { task: 'xnli', lang: 'zh' },
      { task: 'xnli', lang: 'ar' },
      { task: 'mkqa', lang: 'zh_cn' },
      { task: 'mkqa', lang: 'ar' },
    ]);
    expect(parseTaskSpecs(['mkqa:zh'])).toEqual([{ task: 'mkqa', lang: 'zh_cn' }]);
    expect(TASK_NAMES).toEqual(['xnli', 'xcopa', 'xstorycloze', 'mmlu', 'truthfulqa_mc1', 'truthfulqa_mc2', 'xquad', 'mlqa', 'mkqa']);
  });

  it('accepts lm-evaluation-harness task names beside ours, and names every (task, language) back the same way', () => {
    expect(parseTaskSpecs(['xcopa_zh', 'xnli_en', 'xstorycloze_ar', 'mmlu', 'm_mmlu_vi', 'truthfulqa_mc1', 'truthfulqa_zh_mc2', 'xquad_zh', 'mlqa_vi_vi', 'mkqa_zh_cn', 'xcopa:zh'])).toEqual([
      { task: 'xcopa', lang: 'zh' },
      { task: 'xnli', lang: 'en' },
      { task: 'xstorycloze', lang: 'ar' },
      { task: 'mmlu', lang: 'en' },
      { task: 'mmlu', lang: 'vi' },
      { task: 'truthfulqa_mc1', lang: 'en' },
      { task: 'truthfulqa_mc2', lang: 'zh' },
      { task: 'xquad', lang: 'zh' },
      { task: 'mlqa', lang: 'vi' },
      { task: 'mkqa', lang: 'zh_cn' },
    ]);
    for (const name of TASK_NAMES) {
      for (const lang of getTask(name).langs) expect(fromHarnessName(harnessTaskName(name, lang))).toEqual({ task: name, lang });
    }
    expect(harnessTaskName('mlqa', 'zh')).toBe('mlqa_zh_zh');
    expect(() => parseTaskSpecs(['xcopa_ar'])).toThrow('unknown task "xcopa_ar"');
    expect(() => parseTaskSpecs(['mlqa_zh_en'])).toThrow('unknown task "mlqa_zh_en"');
  });

  it('rejects unknown tasks and languages with the valid ones listed', () => {
    expect(() => parseTaskSpecs(['hellaswag'])).toThrow('unknown task "hellaswag" (known: xnli, xcopa, xstorycloze, mmlu, truthfulqa_mc1');
    expect(() => parseTaskSpecs(['xcopa:ar'])).toThrow('"xcopa:ar": task xcopa has no language "ar" (it has: en, zh, vi)');
    expect(() => parseTaskSpecs(['xcopa'], ['ar'])).toThrow('task xcopa has none of the languages ar');
    expect(() => parseTaskSpecs(['xnli:zh:x'])).toThrow('bad task spec "xnli:zh:x"');
    expect(() => parseTaskSpecs([])).toThrow('no tasks given');
  });
});

describe('sub-sampling', () => {
  const items = Array.from({ length: 10 }, (_, i) => i);

  it('takes the first examples without a seed, a fraction rounds up', () => {
    expect(sampleExamples(items, { limit: 3 })).toEqual([0, 1, 2]);
    expect(sampleExamples(items, {})).toEqual(items);
    expect(sampleExamples(items, { limit: 50 })).toEqual(items);
    expect(limitCount(10, 0.25)).toBe(3);
    expect(() => limitCount(10, 2.5)).toThrow('limit must be a positive integer or a fraction in (0, 1), got 2.5');
    expect(() => limitCount(10, 0)).toThrow('limit must be');
  });

  it('a seed gives a reproducible subset in file order, uniform over the examples', () => {
    const a = sampleExamples(items, { limit: 4, seed: 11 });
    expect(sampleExamples(items, { limit: 4, seed: 11 })).toEqual(a);
    expect(new Set(a).size).toBe(4);
    expect([...a].sort((x, y) => x - y)).toEqual(a);
    const counts = new Array(10).fill(0);
    for (let seed = 0; seed < 2000; seed++) for (const i of sampleExamples(items, { limit: 3, seed })) counts[i]++;
    // Each index is picked with probability 0.3: 600 ± 4·√(2000·0.3·0.7) ≈ 600 ± 82.
    for (const c of counts) expect(Math.abs(c - 600)).toBeLessThan(82);
  });
});

describe('task data resolution', () => {
  it('a file path or a folder searched for the task\'s file names', async () => {
    const zh = await loadTask('xstorycloze', 'zh', { paths: { xstorycloze: join(FIXTURES, 'xstorycloze') } });
    expect(zh.file).toBe(join(FIXTURES, 'xstorycloze', 'spring2016.val.zh.tsv.split_20_80_eval.tsv'));
    expect(zh.examples).toHaveLength(2);
    const en = await loadTask('xstorycloze', 'en', { paths: { 'xstorycloze:en': join(FIXTURES, 'xstorycloze', 'en.csv') } });
    expect(en.examples[0].id).toBe('e-1');
    const mm = await loadTask('mmlu', 'vi', { paths: { mmlu: join(FIXTURES, 'mmlu', 'okapi') } });
    expect(mm.file).toBe(join(FIXTURES, 'mmlu', 'okapi', 'vi_test.json'));
    const tq = await loadTask('truthfulqa_mc1', 'vi', { paths: { truthfulqa_mc1: join(FIXTURES, 'truthfulqa') } });
    expect(tq.kind === 'mc' && tq.examples.map((e) => e.gold)).toEqual([0, 1]);
  });

  it.skipIf(!HAS_SHARED)(`defaults to the shared folder layout${SKIP_SHARED}`, async () => {
    expect((await loadTask('xnli', 'vi', { dataDir: SHARED_EVAL })).file).toBe(join(SHARED_EVAL, 'xnli', 'dev-vi.tsv'));
    expect((await loadTask('xcopa', 'en', { dataDir: SHARED_EVAL })).file).toBe(join(SHARED_EVAL, 'xcopa', 'en', 'test-en.jsonl'));
    expect((await loadTask('mlqa', 'ar', { dataDir: SHARED_EVAL })).file).toBe(join(SHARED_EVAL, 'mlqa', 'dev-context-ar-question-ar.json'));
    expect((await loadTask('mkqa', 'vi', { dataDir: SHARED_EVAL })).examples).toHaveLength(6);
  });
});
