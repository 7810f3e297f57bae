import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadXnli } from './xnli.js';
import { loadXcopa } from './xcopa.js';
import { loadXStoryCloze } from './xstorycloze.js';
import { loadMmlu } from './mmlu.js';
import { loadTruthfulQa } from './truthfulqa.js';
import { loadSquad } from '../io/squad.js';
import { loadMkqa } from './mkqa.js';
import { loadTask } from './load-task.js';

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
  it('XNLI: wrong column count, unknown label', async () => {
    const f = file('x1.tsv', 'p\th\tneutral\nonly\ttwo\n');
    await expect(loadXnli(f, 'en')).rejects.toThrow(`${f}:2: expected 3 XNLI (premise, hypothesis, label) columns, found 2`);
    const g = file('x2.tsv', 'p\th\tmaybe\n');
    await expect(loadXnli(g, 'en')).rejects.toThrow(`${g}:1: label must be entailment/neutral/contradiction (or 0/1/2), got "maybe"`);
    const h = file('x3.jsonl', '{"premise": "p"}\n');
    await expect(loadXnli(h, 'en')).rejects.toThrow(`${h}:1: expected a string field "hypothesis" or "sentence2"`);
  });

  it('XCOPA: malformed JSON line, missing field, bad question and label', async () => {
    const f = file('c1.jsonl', `${COPA}\n\n{"premise": oops}\n`);
    await expect(loadXcopa(f)).rejects.toThrow(`${f}:3: not valid JSON`);
    const g = file('c2.jsonl', '{"premise": "p.", "choice1": "a", "question": "cause", "label": 0}\n');
    await expect(loadXcopa(g)).rejects.toThrow(`${g}:1: field "choice2" must be a string, got nothing (missing)`);
    const h = file('c3.jsonl', COPA.replace('cause', 'reason'));
    await expect(loadXcopa(h)).rejects.toThrow(`${h}:1: field "question" must be "cause" or "effect", got "reason"`);
    const k = file('c4.jsonl', `${COPA}\n${COPA.replace('"label": 0', '"label": 2')}`);
    await expect(loadXcopa(k)).rejects.toThrow(`${k}:2: field "label" must be 0 or 1, got 2`);
    const arr = file('c5.jsonl', '[1, 2]\n');
    await expect(loadXcopa(arr)).rejects.toThrow(`${arr}:1: expected a JSON object (named fields) per record, got [1,2]`);
  });

  it('XStoryCloze: missing header column, bad answer', async () => {
    const f = file('s1.tsv', 'InputStoryid\tInputSentence1\n1\tx\n');
    await expect(loadXStoryCloze(f)).rejects.toThrow(`${f}:1: header lacks the "InputSentence2" column`);
    const head = 'InputStoryid,InputSentence1,InputSentence2,InputSentence3,InputSentence4,RandomFifthSentenceQuiz1,RandomFifthSentenceQuiz2,AnswerRightEnding\n';
    const g = file('s2.csv', `${head}1,a,b,c,d,e,f,3\n`);
    await expect(loadXStoryCloze(g)).rejects.toThrow(`${g}:2: "AnswerRightEnding" must be 1 or 2, got "3"`);
  });

  it('MMLU: bad answer letter, wrong column count, Okapi record without options, empty folder', async () => {
    const f = file('m/anatomy_test.csv', 'q,a,b,c,d,A\nq2,a,b,c,d,E\n');
    await expect(loadMmlu(f)).rejects.toThrow(`${f}:2: answer must be a letter A-D or an index 0-3, got "E"`);
    const g = file('m2/anatomy_test.csv', 'q,a,b,c,A\n');
    await expect(loadMmlu(g)).rejects.toThrow(`${g}:1: expected 6 MMLU (question, 4 choices, answer) columns, found 5`);
    const h = file('m3/vi_test.json', '[{"id": "a/test/0", "instruction": "q", "option_a": "x", "answer": "A"}]');
    await expect(loadMmlu(h)).rejects.toThrow(`${h}:1: field "option_b" must be a string`);
    mkdirSync(join(dir, 'm4'));
    await expect(loadMmlu(join(dir, 'm4'))).rejects.toThrow(`MMLU folder ${join(dir, 'm4')} holds no *_test.csv`);
  });

  it('TruthfulQA: a choice list of one, no true answer, two true MC1 answers', async () => {
    const one = file('t1.json', '[{"question": "q", "mc1_targets": {"only": 1}, "mc2_targets": {"a": 1, "b": 0}}]');
    await expect(loadTruthfulQa(one)).rejects.toThrow(`${one}:1: mc1_targets has 1 choice(s); at least 2 are needed`);
    const none = file('t2.json', '[{"question": "q", "mc1_targets": {"a": 1, "b": 0}, "mc2_targets": {"choices": ["a", "b"], "labels": [0, 0]}}]');
    await expect(loadTruthfulQa(none)).rejects.toThrow('mc2_targets marks no answer as true');
    const two = file('t3.jsonl', '{"question": "q", "mc1_targets": {"a": 1, "b": 1}, "mc2_targets": {"a": 1, "b": 0}}\n');
    await expect(loadTruthfulQa(two)).rejects.toThrow(`${two}:1: mc1_targets must mark exactly one answer as true`);
    const mism = file('t4.json', '[{"question": "q", "mc1_targets": {"choices": ["a", "b"], "labels": [1]}, "mc2_targets": {"a": 1, "b": 0}}]');
    await expect(loadTruthfulQa(mism)).rejects.toThrow('mc1_targets has 2 choices but 1 labels');
  });

  it('SQuAD JSON: no data array, a question without answers, duplicate ids, broken JSON', async () => {
    await expect(loadSquad(file('q1.json', '{"version": 1}'), 'XQuAD')).rejects.toThrow('expected SQuAD v1.1 JSON with a top-level "data" array');
    const qa = (id: string, answers: string) => `{"id": "${id}", "question": "q", "answers": ${answers}}`;
    const doc = (qas: string) => `{"data": [{"paragraphs": [{"context": "c", "qas": [${qas}]}]}]}`;
    const f = file('q2.json', doc(qa('a', '[]')));
    await expect(loadSquad(f, 'XQuAD')).rejects.toThrow(`${f}: data[0].paragraphs[0].qas[0]: question "a" has no gold answers`);
    const g = file('q3.json', doc(`${qa('a', '[{"text": "x"}]')}, ${qa('a', '[{"text": "y"}]')}`));
    await expect(loadSquad(g, 'MLQA')).rejects.toThrow(`${g}: data[0].paragraphs[0].qas[1]: duplicate question id "a"`);
    const h = file('q4.json', '{"data": [');
    await expect(loadSquad(h, 'MLQA')).rejects.toThrow(`${h} is not valid JSON`);
  });

  it('MKQA: language missing from queries / answers, bad gzip', async () => {
    const f = file('k1.jsonl', '{"example_id": 1, "queries": {"en": "q"}, "answers": {"en": [{"type": "entity", "text": "a"}]}}\n');
    await expect(loadMkqa(f, 'vi')).rejects.toThrow(`${f}:1: no "vi" question in "queries"`);
    const g = file('k2.jsonl', '{"example_id": 1, "queries": {"vi": "q"}, "answers": {"en": []}}\n');
    await expect(loadMkqa(g, 'vi')).rejects.toThrow(`${g}:1: no "vi" answers in "answers"`);
    const z = file('k3.jsonl.gz', 'not gzip');
    await expect(loadMkqa(z, 'en')).rejects.toThrow(`${z}: not a valid gzip file`);
  });

  it('missing file, a folder given as a file, an empty dataset', async () => {
    await expect(loadXcopa(join(dir, 'nope.jsonl'))).rejects.toThrow(`XCOPA file ${join(dir, 'nope.jsonl')} does not exist`);
    await expect(loadXcopa(dir)).rejects.toThrow(`XCOPA path ${dir} is a folder, expected a file`);
    const empty = file('empty.jsonl', '\n\n');
    await expect(loadTask('xcopa', 'zh', { paths: { xcopa: empty } })).rejects.toThrow(`xcopa:zh: ${empty} holds no examples`);
    mkdirSync(join(dir, 'xcopa-folder'));
    await expect(loadTask('xcopa', 'vi', { paths: { 'xcopa:vi': join(dir, 'xcopa-folder') } })).rejects.toThrow(
      `no data file in ${join(dir, 'xcopa-folder')} (looked for ${join(dir, 'xcopa-folder', 'vi', 'test.vi.jsonl')}`,
    );
  });
});
