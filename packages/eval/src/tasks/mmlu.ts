import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { expectCells, parseCsv } from '../io/delimited.js';
import { arr, describe, str } from '../io/fields.js';
import { readText } from '../io/read-text.js';
import { readRows, type TableRows } from '../io/record-rows.js';
import { FOUR_LANGS, mcTask, placeholder } from './define-task.js';
import type { McExample } from './types.js';

/** MMLU (original, reformatted, or Okapi-translated): `answer` = index of the right choice. */
export interface MmluRecord {
  id: string;
  /** Subject with underscores (`abstract_algebra`), or null when the file does not say. */
  subject: string | null;
  question: string;
  choices: string[];
  answer: number;
}

const HEADER = ['question', 'choice0', 'choice1', 'choice2', 'choice3', 'answer'];
const LETTERS = ['A', 'B', 'C', 'D'];

/** An answer given as a letter A–D or an index 0–3. */
function answerIndex(v: unknown, at: string): number {
  const s = typeof v === 'number' ? String(v) : typeof v === 'string' ? v.trim() : '';
  if (/^[0-3]$/.test(s)) return Number(s);
  const i = LETTERS.indexOf(s.toUpperCase());
  if (s.length === 1 && i >= 0) return i;
  throw new Error(`eval: ${at}: answer must be a letter A-D or an index 0-3, got ${describe(v)}`);
}

/** `abstract_algebra_test.csv` → `abstract_algebra`. */
export function subjectFromFileName(path: string): string | null {
  const m = /^(.+?)_(test|dev|val|validation|train)\.(csv|json|jsonl)$/.exec(basename(path));
  return m ? m[1] : null;
}

/** CSV with the `question,choice0..3,answer(0-3)` header, or the original headerless `question,A,B,C,D,letter`. */
function fromCsv(path: string): MmluRecord[] {
  const rows = parseCsv(readText(path, 'MMLU'), path);
  const hasHeader = rows.length > 0 && rows[0].cells.map((c) => c.trim().toLowerCase()).join() === HEADER.join();
  const subject = subjectFromFileName(path);
  return rows.slice(hasHeader ? 1 : 0).map((r) => {
    expectCells(r, 6, path, 'MMLU (question, 4 choices, answer)');
    return {
      id: `${subject ?? basename(path)}:${r.line}`,
      subject,
      question: r.cells[0],
      choices: r.cells.slice(1, 5),
      answer: answerIndex(r.cells[5], `${path}:${r.line}`),
    };
  });
}

/**
 * Record rows (JSON array, JSON Lines, or the Hub's Parquet): Okapi's translated m_mmlu (`id` = `subject/...`,
 * `instruction`, `option_a..d`, `answer` letter) or HF `cais/mmlu` rows (`question`, `subject`, `choices`,
 * `answer` index).
 */
export function mmluRows({ path, records }: TableRows): MmluRecord[] {
  const fileSubject = subjectFromFileName(path);
  return records.map(({ value: o, where: at, index }) => {
    const id = typeof o.id === 'string' || typeof o.id === 'number' ? String(o.id) : `${basename(path)}:${index + 1}`;
    const subject = typeof o.subject === 'string' ? o.subject : typeof o.id === 'string' && o.id.includes('/') ? o.id.split('/')[0] : fileSubject;
    if ('instruction' in o) {
      return {
        id,
        subject,
        question: str(o, 'instruction', at),
        choices: ['a', 'b', 'c', 'd'].map((l) => str(o, `option_${l}`, at)),
        answer: answerIndex(o.answer, at),
      };
    }
    const choices = arr(o, 'choices', at);
    if (choices.length !== 4 || choices.some((c) => typeof c !== 'string')) {
      throw new Error(`eval: ${at}: field "choices" must hold 4 strings, got ${describe(choices)}`);
    }
    return { id, subject, question: str(o, 'question', at), choices: choices as string[], answer: answerIndex(o.answer, at) };
  });
}

/** Loads one MMLU file (CSV, JSON, JSONL) or every such file of a folder (`<folder>/<split>/` when it exists). */
export async function loadMmlu(path: string, split = 'test'): Promise<MmluRecord[]> {
  if (!existsSync(path)) throw new Error(`eval: MMLU path ${path} does not exist`);
  if (!statSync(path).isDirectory()) return /\.csv$/i.test(path) ? fromCsv(path) : mmluRows(await readRows(path, 'MMLU'));
  const dir = existsSync(join(path, split)) && statSync(join(path, split)).isDirectory() ? join(path, split) : path;
  const files = readdirSync(dir)
    .filter((f) => /\.(csv|json|jsonl)$/i.test(f))
    .filter((f) => subjectFromFileName(f) === null || f.includes(`_${split}.`))
    .sort();
  if (files.length === 0) throw new Error(`eval: MMLU folder ${dir} holds no *_${split}.csv / .json / .jsonl files`);
  const out: MmluRecord[] = [];
  for (const f of files) out.push(...(await loadMmlu(join(dir, f), split)));
  return out;
}

/**
 * `The following are multiple choice questions (with answers) about {subject}.\n\n{question}\nA. …\nD. …\nAnswer:`
 * → ` A` … ` D`. A record without a subject (a translated file that does not name it) gets the sentence
 * without "about …".
 */
export function mmluExample(r: MmluRecord): McExample {
  const about = r.subject ? ` about ${r.subject.replace(/_/g, ' ')}` : '';
  const options = r.choices.map((c, i) => `${LETTERS[i]}. ${c}\n`).join('');
  return {
    id: r.id,
    context: `The following are multiple choice questions (with answers)${about}.\n\n${r.question.trim()}\n${options}Answer:`,
    choices: LETTERS.slice(0, r.choices.length),
    delimiter: ' ',
    gold: r.answer,
  };
}

/**
 * MMLU: 57 subjects of four-way questions; English is lm-evaluation-harness `mmlu` (HF `cais/mmlu`), the other
 * languages Okapi's translated `m_mmlu_<lang>`.
 */
export const mmlu = mcTask({
  name: 'mmlu',
  langs: FOUR_LANGS,
  defaultLangs: ['en'],
  candidates: (l) => (l === 'en' ? ['.'] : [`${l}_test.json`, `${l}.json`, `${l}_test.jsonl`, `${l}.jsonl`, l]),
  load: async (p) => (await loadMmlu(p)).map(mmluExample),
  fromRows: (rows) => mmluRows(rows).map(mmluExample),
  template: () => mmluExample({ id: '', subject: placeholder('subject'), question: placeholder('question'), choices: [0, 1, 2, 3].map((i) => placeholder(`choices[${i}]`)), answer: 0 }),
  hub: { path: (l) => (l === 'en' ? 'cais/mmlu' : 'alexandrainst/m_mmlu'), config: (l) => (l === 'en' ? 'all' : l), splits: ['test'] },
  harness: { name: (l) => (l === 'en' ? 'mmlu' : `m_mmlu_${l}`), version: (l) => (l === 'en' ? 2 : 0) },
});
