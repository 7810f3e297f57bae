import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FIXTURES, HAS_SHARED, SHARED_EVAL, SKIP_SHARED } from '../test-utils/paths.js';
import { loadXnli } from './xnli.js';
import { loadXcopa } from './xcopa.js';
import { loadXStoryCloze } from './xstorycloze.js';
import { loadMmlu, subjectFromFileName } from './mmlu.js';
import { loadTruthfulQa } from './truthfulqa.js';
import { loadSquad } from '../io/squad.js';
import { loadMkqa } from './mkqa.js';

const F = (...p: string[]) => join(FIXTURES, ...p);
const S = (...p: string[]) => join(SHARED_EVAL, ...p);

describe('loaders on small files in the upstream formats', () => {
  it('XNLI 1.0 header TSV: filters by language and maps gold_label', async () => {
    expect(await loadXnli(F('xnli', 'xnli.test.tsv'), 'en')).toEqual([
      { id: '0', premise: 'The cat sat on the warm mat.', hypothesis: 'A cat is sitting.', label: 0 },
      { id: '1', premise: 'The shop closes at noon.', hypothesis: 'The shop is open all night.', label: 2 },
    ]);
    expect(await loadXnli(F('xnli', 'xnli.test.tsv'), 'zh')).toEqual([
      { id: '0', premise: '猫坐在温暖的垫子上。', hypothesis: '猫很饿。', label: 1 },
    ]);
  });

  it('XNLI JSON Lines: XNLI 1.0 field names (filtered by language) and HF field names with integer labels', async () => {
    expect((await loadXnli(F('xnli', 'xnli.dev.jsonl'), 'vi')).map((r) => [r.premise, r.label])).toEqual([
      ['Con tàu rời cảng lúc bình minh.', 1],
      ['Trời mưa cả ngày.', 2],
    ]);
    expect((await loadXnli(F('xnli', 'hf-zh.jsonl'), 'zh')).map((r) => [r.hypothesis, r.label])).toEqual([
      ['他喜欢运动。', 1],
      ['商店开着。', 2],
    ]);
  });

  it('XStoryCloze TSV (quotes are literal) and CSV (quoted cells)', async () => {
    const zh = await loadXStoryCloze(F('xstorycloze', 'spring2016.val.zh.tsv.split_20_80_eval.tsv'));
    expect(zh).toHaveLength(2);
    expect(zh[0]).toEqual({
      id: 's-001',
      sentences: ['小明早上起晚了。', '他跑向车站。', '火车刚刚开走。', '他只好等下一班。'],
      endings: ['他终于准时到了公司。', '他迟到了一个小时。'],
      label: 1,
    });
    expect(zh[1].sentences[0]).toBe('"Let us bake," said Ann.');
    const en = await loadXStoryCloze(F('xstorycloze', 'en.csv'));
    expect(en[0].sentences[3]).toBe('Small shoots appeared, green and bright.');
    expect(en[0].label).toBe(0);
  });

  it('MMLU original headerless A–D CSV, a folder of them (test split only), and Okapi JSON', async () => {
    const phys = await loadMmlu(F('mmlu', 'original', 'college_physics_test.csv'));
    expect(phys[0]).toEqual({
      id: 'college_physics:1',
      subject: 'college_physics',
      question: 'A ball is dropped from rest. After 2 s (g = 10 m/s^2), its speed is',
      choices: ['10 m/s', '20 m/s', '40 m/s, roughly', '5 m/s'],
      answer: 1,
    });
    expect(phys[1].answer).toBe(2);
    const folder = await loadMmlu(F('mmlu', 'original'));
    expect(folder.map((r) => r.subject)).toEqual(['astronomy', 'college_physics', 'college_physics']);
    const okapi = await loadMmlu(F('mmlu', 'okapi', 'vi_test.json'));
    expect(okapi.map((r) => [r.id, r.subject, r.answer])).toEqual([
      ['astronomy/test/0', 'astronomy', 1],
      ['college_physics/test/1', 'college_physics', 2],
    ]);
    expect(okapi[0].choices).toEqual(['Sao Kim', 'Sao Thủy', 'Sao Hỏa', 'Trái Đất']);
    expect(subjectFromFileName('/x/high_school_us_history_dev.csv')).toBe('high_school_us_history');
  });

  it('TruthfulQA in the HF / Okapi {choices, labels} form', async () => {
    const r = await loadTruthfulQa(F('truthfulqa', 'vi_validation.json'));
    expect(r).toHaveLength(2);
    expect(r[1].mc1).toEqual({ choices: ['Phô mai.', 'Đá và bụi.'], labels: [0, 1] });
    expect(r[0].mc2.labels).toEqual([1, 1, 0]);
  });

  it('MKQA JSON Lines, plain and gzipped: text + aliases per language, null text as "" (No Answer)', async () => {
    for (const file of ['mkqa.jsonl', 'mkqa.jsonl.gz']) {
      const zh = await loadMkqa(F('mkqa', file), 'zh_cn');
      expect(zh[0]).toEqual({ id: '101', question: '谁画了蒙娜丽莎', context: '', answers: ['列奥纳多·达·芬奇', '达芬奇'] });
      expect(zh[1].answers).toEqual(['']);
    }
    expect((await loadMkqa(F('mkqa', 'mkqa.jsonl'), 'en'))[0].answers).toEqual(['Leonardo da Vinci', 'da Vinci', 'Leonardo']);
  });
});

describe.skipIf(!HAS_SHARED)(`loaders on the real shared files${SKIP_SHARED}`, () => {
  it('reads every file with the documented row counts', async () => {
    for (const l of ['en', 'zh', 'vi', 'ar']) {
      const x = await loadXnli(S('xnli', `dev-${l}.tsv`), l);
      expect(x).toHaveLength(2490);
      expect([0, 1, 2].map((k) => x.filter((r) => r.label === k).length)).toEqual([830, 830, 830]);
      expect(await loadSquad(S('xquad', `xquad.${l}.json`), 'XQuAD')).toHaveLength(1190);
    }
    expect(await Promise.all(['en', 'zh', 'vi', 'ar'].map(async (l) => (await loadSquad(S('mlqa', `dev-context-${l}-question-${l}.json`), 'MLQA')).length))).toEqual([
      1148, 504, 511, 517,
    ]);
    expect(await loadXcopa(S('xcopa', 'zh', 'test.zh.jsonl'))).toHaveLength(500);
    expect((await loadXcopa(S('xcopa', 'en', 'test-en.jsonl')))[0]).toEqual({
      id: '0', premise: 'The item was packaged in bubble wrap.', choice1: 'It was fragile.', choice2: 'It was small.', question: 'cause', label: 0,
    });
    const mmlu = await loadMmlu(S('mmlu'));
    expect(mmlu).toHaveLength(14042);
    expect(new Set(mmlu.map((r) => r.subject)).size).toBe(57);
    expect(await loadMmlu(S('mmlu'), 'dev')).toHaveLength(285);
    const tqa = await loadTruthfulQa(S('truthfulqa', 'mc_task.json'));
    expect(tqa).toHaveLength(817);
    expect(tqa[0].mc1.labels[0]).toBe(1);
    expect(tqa[0].question).toBe('What happens if you eat a pomegranate?');
    const mk = await loadMkqa(S('mkqa', 'test_mkqa.jsonl.gz'), 'zh_cn');
    expect(mk).toHaveLength(6);
    expect(mk.find((r) => r.id === '7631360939705650347')!.answers).toEqual(['雷德利·斯科特']);
  });
});
