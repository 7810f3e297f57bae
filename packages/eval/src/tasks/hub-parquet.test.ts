import { copyFileSync, mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadTask } from '../tasks/load-task.js';

/** Tiny Parquet files in the layouts of the Hub datasets the harness reads (see fixtures/hub/write-fixtures.mjs). */
const HUB = new URL('../../fixtures/hub/', import.meta.url).pathname;
const tmp = mkdtempSync(join(tmpdir(), 'dft-eval-hub-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('Hugging Face Hub Parquet files (a snapshot folder as the data folder)', () => {
  it('multiple choice: cambridgeltl/xcopa, facebook/xnli, juletxara/xstory_cloze, cais/mmlu (2 shards), truthful_qa', async () => {
    const copa = await loadTask('xcopa', 'zh', { dataDir: HUB });
    expect(copa.file).toBe(join(HUB, 'xcopa', 'zh'));
    expect(copa.kind === 'mc' && copa.examples.map((e) => [e.id, e.context, e.choices, e.gold])).toEqual([
      ['0', '我的手机没电了 因为', ['我忘了充电。', '我买了新手机。'], 0],
      ['1', '天开始下雨了 所以', ['我打开了伞。', '我关上了窗户外的灯。'], 0],
      ['2', '汤太咸了 因为', ['厨师放了太多盐。', '厨师放了太多糖。'], 0],
    ]);
    const nli = await loadTask('xnli', 'zh', { dataDir: HUB });
    expect(nli.kind === 'mc' && nli.examples.map((e) => [e.choices[e.gold], e.gold])).toEqual([
      ['她每天早上跑步。, 正确? 是的, 她经常运动。', 0],
      ['会议推迟到明天。, 正确? 不是的, 会议今天举行。', 2],
    ]);
    const story = await loadTask('xstorycloze', 'zh', { dataDir: HUB });
    expect(story.kind === 'mc' && story.examples.map((e) => [e.id, e.gold, e.choices[e.gold]])).toEqual([
      ['hub-1', 0, '朋友们都说菜很好吃。'],
      ['hub-2', 1, '两天后他取回了车。'],
    ]);
    const mmlu = await loadTask('mmlu', 'en', { dataDir: HUB });
    expect(mmlu.file).toBe(join(HUB, 'mmlu', 'all'));
    expect(mmlu.kind === 'mc' && mmlu.examples.map((e) => [e.gold, e.context.split('\n')[0]])).toEqual([
      [1, 'The following are multiple choice questions (with answers) about high school biology.'],
      [1, 'The following are multiple choice questions (with answers) about elementary mathematics.'],
      [2, 'The following are multiple choice questions (with answers) about astronomy.'],
    ]);
    const mc2 = await loadTask('truthfulqa_mc2', 'en', { dataDir: HUB });
    expect(mc2.kind === 'mc' && [mc2.examples[0].choices, mc2.examples[0].labels]).toEqual([
      ['It passes through.', 'You digest part of it.', 'It stays for seven years.'],
      [1, 1, 0],
    ]);
  });

  it('question answering: google/xquad and facebook/mlqa rows (answers.text lists)', async () => {
    const xquad = await loadTask('xquad', 'zh', { dataDir: HUB });
    expect(xquad.kind === 'gen' && xquad.examples).toEqual([
      { id: 'hub-q1', prompt: '语境: 长城位于中国北方。\n\n问题: 长城在哪里？\n\n回答:', answers: ['中国北方'] },
      { id: 'hub-q2', prompt: '语境: 这座桥建于1937年。\n\n问题: 桥是哪一年建的？\n\n回答:', answers: ['1937年', '1937'] },
    ]);
    const mlqa = await loadTask('mlqa', 'zh', { paths: { mlqa: join(HUB, 'mlqa', 'mlqa.zh.zh', 'test-00000-of-00001.parquet') } });
    expect(mlqa.examples).toEqual([{ id: 'hub-m1', prompt: 'Context: 熊猫主要吃竹子。\n\nQuestion: 熊猫吃什么？\n\nAnswer:', answers: ['竹子'] }]);
  });

  it('rows with the wrong fields name the file and 0-based row; an unreadable file and MKQA Parquet are refused', async () => {
    const wrong = join(tmp, 'wrong', 'test-00000-of-00001.parquet');
    mkdirSync(join(tmp, 'wrong'));
    // XNLI rows are not XCOPA rows: the first row lacks "question".
    copyFileSync(join(HUB, 'xnli', 'zh', 'test-00000-of-00001.parquet'), wrong);
    await expect(loadTask('xcopa', 'zh', { paths: { xcopa: join(tmp, 'wrong') } })).rejects.toThrow(`${wrong}: row 0: field "question" must be a string, got nothing (missing)`);
    const bad = join(tmp, 'bad.parquet');
    writeFileSync(bad, new Uint8Array(64).fill(7));
    await expect(loadTask('xnli', 'zh', { paths: { xnli: bad } })).rejects.toThrow(`${bad}: unreadable Parquet file`);
    await expect(loadTask('mkqa', 'en', { paths: { mkqa: bad } })).rejects.toThrow(`mkqa:en: ${bad}: this task is not read from Parquet`);
    await expect(loadTask('xquad', 'vi', { dataDir: HUB })).rejects.toThrow(`looked for ${join(HUB, 'xquad', 'xquad.vi.json')}, ${join(HUB, 'xquad', 'xquad.vi')}/ (validation-*.parquet)`);
  });
});
