import { readText } from '../io/read-text.js';
import { parseJsonLines, type TableRows } from '../io/json-records.js';
import { expectCells, parseDelimited } from '../io/delimited.js';
import { describe, where } from '../io/fields.js';
import type { StoryRecord } from './types.js';

/** Upstream (ROCStories / XStoryCloze TSV, CSV) column names and the HF `xstory_cloze` field names. */
const UPSTREAM = [
  'InputStoryid', 'InputSentence1', 'InputSentence2', 'InputSentence3', 'InputSentence4',
  'RandomFifthSentenceQuiz1', 'RandomFifthSentenceQuiz2', 'AnswerRightEnding',
] as const;
const HF = [
  'story_id', 'input_sentence_1', 'input_sentence_2', 'input_sentence_3', 'input_sentence_4',
  'sentence_quiz1', 'sentence_quiz2', 'answer_right_ending',
] as const;

function toRecord(get: (i: number) => unknown, at: string): StoryRecord {
  const text = (i: number) => {
    const v = get(i);
    if (typeof v !== 'string') throw new Error(`eval: ${at}: column "${UPSTREAM[i]}" must be text, got ${describe(v)}`);
    return v;
  };
  const ans = String(get(7) ?? '').trim();
  if (ans !== '1' && ans !== '2') throw new Error(`eval: ${at}: "${UPSTREAM[7]}" must be 1 or 2, got ${describe(get(7))}`);
  return {
    id: String(get(0) ?? ''),
    sentences: [text(1), text(2), text(3), text(4)],
    endings: [text(5), text(6)],
    label: ans === '1' ? 0 : 1,
  };
}

/** Record rows with the HF `xstory_cloze` field names (JSON Lines, or the Hub's Parquet). */
export function xstoryclozeRows({ path, records, unit }: TableRows): StoryRecord[] {
  return records.map(({ value: o, line }) => toRecord((i) => o[HF[i]], where(path, line, unit)));
}

/**
 * XStoryCloze: TSV or CSV with the upstream header (`InputStoryid, InputSentence1..4, RandomFifthSentenceQuiz1,
 * RandomFifthSentenceQuiz2, AnswerRightEnding`), or JSON Lines with the HF field names.
 */
export function loadXStoryCloze(path: string): StoryRecord[] {
  const text = readText(path, 'XStoryCloze');
  if (/\.jsonl(\.gz)?$/i.test(path)) {
    return xstoryclozeRows({ path, records: parseJsonLines(text, path), unit: 'line' });
  }
  const rows = parseDelimited(text, path);
  if (rows.length === 0) throw new Error(`eval: ${path} is empty (expected a header and XStoryCloze rows)`);
  const head = rows[0].cells.map((c) => c.trim());
  const cols = UPSTREAM.map((name) => {
    const i = head.indexOf(name);
    if (i < 0) throw new Error(`eval: ${path}:${rows[0].line}: header lacks the "${name}" column (XStoryCloze format)`);
    return i;
  });
  return rows.slice(1).map((r) => {
    expectCells(r, head.length, path, 'XStoryCloze');
    return toRecord((i) => r.cells[cols[i]], `${path}:${r.line}`);
  });
}
