import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadXnli } from './xnli.js';
import { loadXcopa } from './xcopa.js';
import { loadXStoryCloze } from './xstorycloze.js';
import { loadMmlu } from './mmlu.js';
import { loadTruthfulQa } from './truthfulqa.js';
import { loadSquad } from './squad.js';
import { loadMkqa } from './mkqa.js';
import { loadTask } from '../tasks/load-task.js';

const dir = mkdtempSync(join(tmpdir(), 'dft-eval-bad-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
function file(name: string, text: string): string {
  const p = join(dir, name);
  mkdirSync(join(p, '..'), { recursive: true });
  writeFileSync(p, text);
  return p;
}

const COPA = '{"premise": "p.", "choice1": "a", "choice2": "b", "question": "cause", "label": 0}';

describe('malformed records: clear errors naming file and line', () => {
  it('XNLI: wrong column count, unknown label', () => {
    const f = file('x1.tsv', 'p\th\tneutral\nonly\ttwo\n');
    expect(() => loadXnli(f, 'en')).toThrow(`${f}:2: expected 3 XNLI (premise, hypothesis, label) columns, found 2`);
    const g = file('x2.tsv', 'p\th\tmaybe\n');
    expect(() => loadXnli(g, 'en')).toThrow(`${g}:1: label must be entailment/neutral/contradiction (or 0/1/2), got "maybe"`);
    const h = file('x3.jsonl', '{"premise": "p"}\n');
    expect(() => loadXnli(h, 'en')).toThrow(`${h}:1: expected a string field "hypothesis" or "sentence2"`);
  });

  it('XCOPA: malformed JSON line, missing field, bad question and label', () => {
    const f = file('c1.jsonl', `${COPA}\n\n{"premise": oops}\n`);
    expect(() => loadXcopa(f)).toThrow(`${f}:3: malformed JSON line`);
    const g = file('c2.jsonl', '{"premise": "p.", "choice1": "a", "question": "cause", "label": 0}\n');
    expect(() => loadXcopa(g)).toThrow(`${g}:1: field "choice2" must be a string, got nothing (missing)`);
    const h = file('c3.jsonl', COPA.replace('cause', 'reason'));
    expect(() => loadXcopa(h)).toThrow(`${h}:1: field "question" must be "cause" or "effect", got "reason"`);
    const k = file('c4.jsonl', `${COPA}\n${COPA.replace('"label": 0', '"label": 2')}`);
    expect(() => loadXcopa(k)).toThrow(`${k}:2: field "label" must be 0 or 1, got 2`);
    const arr = file('c5.jsonl', '[1, 2]\n');
    expect(() => loadXcopa(arr)).toThrow(`${arr}:1: expected a JSON object per line`);
  });

  it('XStoryCloze: missing header column, bad answer', () => {
    const f = file('s1.tsv', 'InputStoryid\tInputSentence1\n1\tx\n');
    expect(() => loadXStoryCloze(f)).toThrow(`${f}:1: header lacks the "InputSentence2" column`);
    const head = 'InputStoryid,InputSentence1,InputSentence2,InputSentence3,InputSentence4,RandomFifthSentenceQuiz1,RandomFifthSentenceQuiz2,AnswerRightEnding\n';
    const g = file('s2.csv', `${head}1,a,b,c,d,e,f,3\n`);
    expect(() => loadXStoryCloze(g)).toThrow(`${g}:2: "AnswerRightEnding" must be 1 or 2, got "3"`);
  });

  it('MMLU: bad answer letter, wrong column count, Okapi record without options, empty folder', () => {
    const f = file('m/anatomy_test.csv', 'q,a,b,c,d,A\nq2,a,b,c,d,E\n');
    expect(() => loadMmlu(f)).toThrow(`${f}:2: answer must be a letter A-D or an index 0-3, got "E"`);
    const g = file('m2/anatomy_test.csv', 'q,a,b,c,A\n');
    expect(() => loadMmlu(g)).toThrow(`${g}:1: expected 6 MMLU (question, 4 choices, answer) columns, found 5`);
    const h = file('m3/vi_test.json', '[{"id": "a/test/0", "instruction": "q", "option_a": "x", "answer": "A"}]');
    expect(() => loadMmlu(h)).toThrow(`${h}: record 1: field "option_b" must be a string`);
    mkdirSync(join(dir, 'm4'));
    expect(() => loadMmlu(join(dir, 'm4'))).toThrow(`MMLU folder ${join(dir, 'm4')} holds no *_test.csv`);
  });

  it('TruthfulQA: a choice list of one, no true answer, two true MC1 answers', () => {
    const one = file('t1.json', '[{"question": "q", "mc1_targets": {"only": 1}, "mc2_targets": {"a": 1, "b": 0}}]');
    expect(() => loadTruthfulQa(one)).toThrow(`${one}: record 1: mc1_targets has 1 choice(s); at least 2 are needed`);
    const none = file('t2.json', '[{"question": "q", "mc1_targets": {"a": 1, "b": 0}, "mc2_targets": {"choices": ["a", "b"], "labels": [0, 0]}}]');
    expect(() => loadTruthfulQa(none)).toThrow('mc2_targets marks no answer as true');
    const two = file('t3.jsonl', '{"question": "q", "mc1_targets": {"a": 1, "b": 1}, "mc2_targets": {"a": 1, "b": 0}}\n');
    expect(() => loadTruthfulQa(two)).toThrow(`${two}:1: mc1_targets must mark exactly one answer as true`);
    const mism = file('t4.json', '[{"question": "q", "mc1_targets": {"choices": ["a", "b"], "labels": [1]}, "mc2_targets": {"a": 1, "b": 0}}]');
    expect(() => loadTruthfulQa(mism)).toThrow('mc1_targets has 2 choices but 1 labels');
  });

  it('SQuAD JSON: no data array, a question without answers, duplicate ids, broken JSON', () => {
    expect(() => loadSquad(file('q1.json', '{"version": 1}'), 'XQuAD')).toThrow('expected SQuAD v1.1 JSON with a top-level "data" array');
    const qa = (id: string, answers: string) => `{"id": "${id}", "question": "q", "answers": ${answers}}`;
    const doc = (qas: string) => `{"data": [{"paragraphs": [{"context": "c", "qas": [${qas}]}]}]}`;
    const f = file('q2.json', doc(qa('a', '[]')));
    expect(() => loadSquad(f, 'XQuAD')).toThrow(`${f}: data[0].paragraphs[0].qas[0]: question "a" has no gold answers`);
    const g = file('q3.json', doc(`${qa('a', '[{"text": "x"}]')}, ${qa('a', '[{"text": "y"}]')}`));
    expect(() => loadSquad(g, 'MLQA')).toThrow(`${g}: data[0].paragraphs[0].qas[1]: duplicate question id "a"`);
    const h = file('q4.json', '{"data": [');
    expect(() => loadSquad(h, 'MLQA')).toThrow(`${h} is not valid JSON`);
  });

  it('MKQA: language missing from queries / answers, bad gzip', () => {
    const f = file('k1.jsonl', '{"example_id": 1, "queries": {"en": "q"}, "answers": {"en": [{"type": "entity", "text": "a"}]}}\n');
    expect(() => loadMkqa(f, 'vi')).toThrow(`${f}:1: no "vi" question in "queries"`);
    const g = file('k2.jsonl', '{"example_id": 1, "queries": {"vi": "q"}, "answers": {"en": []}}\n');
    expect(() => loadMkqa(g, 'vi')).toThrow(`${g}:1: no "vi" answers in "answers"`);
    const z = file('k3.jsonl.gz', 'not gzip');
    expect(() => loadMkqa(z, 'en')).toThrow(`${z} is not a valid gzip file`);
  });

  it('missing file, a folder given as a file, an empty dataset', async () => {
    expect(() => loadXcopa(join(dir, 'nope.jsonl'))).toThrow(`XCOPA file ${join(dir, 'nope.jsonl')} does not exist`);
    expect(() => loadXcopa(dir)).toThrow(`XCOPA path ${dir} is a folder, expected a file`);
    const empty = file('empty.jsonl', '\n\n');
    await expect(loadTask('xcopa', 'zh', { paths: { xcopa: empty } })).rejects.toThrow(`xcopa:zh: ${empty} holds no examples`);
    mkdirSync(join(dir, 'xcopa-folder'));
    await expect(loadTask('xcopa', 'vi', { paths: { 'xcopa:vi': join(dir, 'xcopa-folder') } })).rejects.toThrow(
      `no data file in ${join(dir, 'xcopa-folder')} (looked for ${join(dir, 'xcopa-folder', 'vi', 'test.vi.jsonl')}`,
    );
  });
});
