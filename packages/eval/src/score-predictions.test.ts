import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { scorePredictionsFile } from './score-predictions.js';
import { FIXTURES } from './test-utils/paths.js';

const dir = mkdtempSync(join(tmpdir(), 'dft-eval-pred-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
function file(name: string, lines: string[]): string {
  const p = join(dir, name);
  writeFileSync(p, lines.join('\n') + '\n');
  return p;
}
const MKQA = { paths: { mkqa: join(FIXTURES, 'mkqa', 'mkqa.jsonl') } };

describe('scoring a predictions file without a model', () => {
  it('scores {id, prediction} rows with the task\'s official rules (hand-computed)', async () => {
    // 101: "da vinci painted it" vs "da vinci": P 2/4, R 1 ⇒ F1 2/3 (the best gold); 102: "never" vs No Answer ⇒ 0.
    const preds = file('p.jsonl', ['{"id": 101, "prediction": "da Vinci painted it"}', '{"id": "102", "prediction": "never"}']);
    const { rows, predictions } = await scorePredictionsFile({ task: 'mkqa:en', predictions: preds, ...MKQA, model: 'gpt' });
    expect(rows.map((r) => [r.metric, r.n])).toEqual([['f1', 2], ['em', 2]]);
    expect(rows[0].value).toBeCloseTo(100 / 3, 10);
    expect(rows[1].value).toBe(0);
    expect(rows[0].model).toBe('gpt');
    expect(predictions[0].scores.f1).toBeCloseTo(200 / 3, 10);
    // An empty prediction matches an unanswerable question.
    const empty = file('e.jsonl', ['{"id": "102", "prediction": ""}']);
    expect((await scorePredictionsFile({ task: 'mkqa:zh', predictions: empty, ...MKQA })).rows.map((r) => r.value)).toEqual([100, 100]);
  });

  it('matches 64-bit MKQA ids digit for digit (no float rounding)', async () => {
    const data = file('mk.jsonl', [
      '{"example_id": 7631360939705650347, "queries": {"en": "q"}, "answers": {"en": [{"type": "entity", "text": "Ridley Scott"}]}}',
    ]);
    const ok = file('ok.jsonl', ['{"id": 7631360939705650347, "prediction": "Ridley Scott"}']);
    expect((await scorePredictionsFile({ task: 'mkqa:en', predictions: ok, paths: { mkqa: data } })).rows[1].value).toBe(100);
    // Same double, different integer: must not be taken for the question above.
    const near = file('near.jsonl', ['{"id": 7631360939705650346, "prediction": "Ridley Scott"}']);
    await expect(scorePredictionsFile({ task: 'mkqa:en', predictions: near, paths: { mkqa: data } })).rejects.toThrow('id "7631360939705650346" is not a question');
  });

  it('rejects unknown ids, duplicates, malformed rows, empty files, MC tasks and specs without a language', async () => {
    const unknown = file('u.jsonl', ['{"id": "999", "prediction": "x"}']);
    await expect(scorePredictionsFile({ task: 'mkqa:en', predictions: unknown, ...MKQA })).rejects.toThrow(`${unknown}: id "999" is not a question of mkqa:en`);
    const dup = file('d.jsonl', ['{"id": "101", "prediction": "x"}', '{"id": "101", "prediction": "y"}']);
    await expect(scorePredictionsFile({ task: 'mkqa:en', predictions: dup, ...MKQA })).rejects.toThrow(`${dup}:2: duplicate prediction for id "101"`);
    const bad = file('b.jsonl', ['{"id": "101", "answer": "x"}']);
    await expect(scorePredictionsFile({ task: 'mkqa:en', predictions: bad, ...MKQA })).rejects.toThrow(`${bad}:1: "prediction" must be a string, got nothing (missing)`);
    const none = file('n.jsonl', ['']);
    await expect(scorePredictionsFile({ task: 'mkqa:en', predictions: none, ...MKQA })).rejects.toThrow(`${none} holds no predictions`);
    const x = join(FIXTURES, 'xstorycloze');
    await expect(scorePredictionsFile({ task: 'xstorycloze:zh', predictions: unknown, paths: { xstorycloze: x } })).rejects.toThrow('xstorycloze is multiple choice');
    await expect(scorePredictionsFile({ task: 'mkqa', predictions: unknown, ...MKQA })).rejects.toThrow('name one task and language');
  });
});
