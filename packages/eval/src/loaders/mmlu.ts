import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { readText } from '../io/read-text.js';
import { readRecords, type JsonObject, type TableRows } from '../io/json-records.js';
import { expectCells, parseCsv } from '../io/delimited.js';
import { arr, describe, str, where } from '../io/fields.js';
import type { MmluRecord } from './types.js';

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
export function mmluRows({ path, records, unit }: TableRows): MmluRecord[] {
  const fileSubject = subjectFromFileName(path);
  return records.map(({ value: o, line }) => {
    const at = where(path, line, unit);
    const id = typeof o.id === 'string' || typeof o.id === 'number' ? String(o.id) : `${basename(path)}:${line}`;
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
    return { id, subject, question: str(o as JsonObject, 'question', at), choices: choices as string[], answer: answerIndex(o.answer, at) };
  });
}

/** Loads one MMLU file (CSV, JSON, JSONL) or every such file of a folder (`<folder>/<split>/` when it exists). */
export function loadMmlu(path: string, split = 'test'): MmluRecord[] {
  if (!existsSync(path)) throw new Error(`eval: MMLU path ${path} does not exist`);
  if (!statSync(path).isDirectory()) return /\.csv$/i.test(path) ? fromCsv(path) : mmluRows({ path, ...readRecords(path, 'MMLU') });
  const dir = existsSync(join(path, split)) && statSync(join(path, split)).isDirectory() ? join(path, split) : path;
  const files = readdirSync(dir)
    .filter((f) => /\.(csv|json|jsonl)$/i.test(f))
    .filter((f) => subjectFromFileName(f) === null || f.includes(`_${split}.`))
    .sort();
  if (files.length === 0) throw new Error(`eval: MMLU folder ${dir} holds no *_${split}.csv / .json / .jsonl files`);
  return files.flatMap((f) => loadMmlu(join(dir, f), split));
}
