import { expectCells, parseDelimited } from '../io/delimited.js';
import { describe } from '../io/fields.js';
import { readText } from '../io/read-text.js';
import { readRows, type TableRows } from '../io/record-rows.js';
import { mcTask, placeholder } from './define-task.js';
import type { McExample } from './types.js';

/** XStoryCloze: four context sentences, two endings, `label` = index of the right ending. */
export interface StoryRecord {
  id: string;
  sentences: [string, string, string, string];
  endings: [string, string];
  label: 0 | 1;
}

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
export function xstoryclozeRows({ records }: TableRows): StoryRecord[] {
  return records.map(({ value: o, where }) => toRecord((i) => o[HF[i]], where));
}

/**
 * XStoryCloze: TSV or CSV with the upstream header (`InputStoryid, InputSentence1..4, RandomFifthSentenceQuiz1,
 * RandomFifthSentenceQuiz2, AnswerRightEnding`), or JSON Lines with the HF field names.
 */
export async function loadXStoryCloze(path: string): Promise<StoryRecord[]> {
  if (/\.jsonl(\.gz)?$/i.test(path)) return xstoryclozeRows(await readRows(path, 'XStoryCloze'));
  const rows = parseDelimited(readText(path, 'XStoryCloze'), path);
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

/** The four sentences joined by spaces → ` ending`. */
export function xstoryclozeExample(r: StoryRecord): McExample {
  return { id: r.id, context: r.sentences.join(' '), choices: [...r.endings], delimiter: ' ', gold: r.label };
}

const LANGS = ['en', 'zh', 'ar'] as const;

/** XStoryCloze (lm-evaluation-harness `xstorycloze_<lang>`): the right ending of a four-sentence story. */
export const xstorycloze = mcTask({
  name: 'xstorycloze',
  langs: LANGS,
  candidates: (l) => [
    `spring2016.val.${l}.tsv.split_20_80_eval.tsv`, `${l}/spring2016.val.${l}.tsv.split_20_80_eval.tsv`,
    `${l}.tsv`, `${l}.csv`, `${l}.jsonl`,
  ],
  load: async (p) => (await loadXStoryCloze(p)).map(xstoryclozeExample),
  fromRows: (rows) => xstoryclozeRows(rows).map(xstoryclozeExample),
  template: () =>
    xstoryclozeExample({
      id: '',
      sentences: [1, 2, 3, 4].map((i) => placeholder(`input_sentence_${i}`)) as [string, string, string, string],
      endings: [placeholder('sentence_quiz1'), placeholder('sentence_quiz2')],
      label: 0,
    }),
  hub: { path: () => 'juletxara/xstory_cloze', config: (l) => l, splits: ['eval'] },
});
