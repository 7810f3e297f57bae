import { describe, int, str } from '../io/fields.js';
import { readRows, type TableRows } from '../io/record-rows.js';
import { mcTask, placeholder } from './define-task.js';
import type { McExample } from './types.js';

/** XCOPA / COPA: `label` is the index of the right choice (0 = choice1). */
export interface CopaRecord {
  id: string;
  premise: string;
  choice1: string;
  choice2: string;
  question: 'cause' | 'effect';
  label: 0 | 1;
}

/** XCOPA / COPA rows (JSON Lines or the Hub's Parquet): `premise, choice1, choice2, question, label (0/1)`, `idx`. */
export function xcopaRows({ records }: TableRows): CopaRecord[] {
  return records.map(({ value: o, where: at }, i) => {
    const question = str(o, 'question', at);
    if (question !== 'cause' && question !== 'effect') {
      throw new Error(`eval: ${at}: field "question" must be "cause" or "effect", got ${describe(question)}`);
    }
    const label = int(o, 'label', at);
    if (label !== 0 && label !== 1) throw new Error(`eval: ${at}: field "label" must be 0 or 1, got ${label}`);
    const premise = str(o, 'premise', at);
    if (premise.trim() === '') throw new Error(`eval: ${at}: field "premise" is empty`);
    return {
      id: o.idx === undefined || o.idx === null ? String(i) : String(o.idx),
      premise,
      choice1: str(o, 'choice1', at),
      choice2: str(o, 'choice2', at),
      question,
      label,
    };
  });
}

/** XCOPA / COPA JSON Lines. */
export async function loadXcopa(path: string): Promise<CopaRecord[]> {
  return xcopaRows(await readRows(path, 'XCOPA', 'jsonl'));
}

/** The connectors for "cause" / "effect" questions (lm-evaluation-harness XCOPA and English COPA). */
export const XCOPA_CONNECTORS: Record<string, { cause: string; effect: string }> = {
  en: { cause: 'because', effect: 'therefore' },
  zh: { cause: '因为', effect: '所以' },
  vi: { cause: 'bởi vì', effect: 'vì vậy' },
};

/** First character lower-cased (Python `c[0].lower() + c[1:]`, by code point). */
function lowerFirst(s: string): string {
  const [first, ...rest] = [...s];
  return first === undefined ? s : first.toLowerCase() + rest.join('');
}

/** `premise` without its final punctuation mark, a space and the connector → ` choice` (first letter lower-cased). */
export function xcopaExample(r: CopaRecord, lang: string): McExample {
  const premise = r.premise.trim();
  const stem = /\p{P}$/u.test(premise) ? [...premise].slice(0, -1).join('') : premise;
  return {
    id: r.id,
    context: `${stem} ${XCOPA_CONNECTORS[lang][r.question]}`,
    choices: [lowerFirst(r.choice1), lowerFirst(r.choice2)],
    delimiter: ' ',
    gold: r.label,
  };
}

/** The prompt with the connector chosen by the record's `question`, as the harness's Jinja template writes it. */
function template(lang: string): McExample {
  // The builder drops the premise's final punctuation mark: give it one to drop.
  const ex = xcopaExample({ id: '', premise: `${placeholder('premise')}.`, choice1: placeholder('choice1'), choice2: placeholder('choice2'), question: 'cause', label: 0 }, lang);
  const { cause, effect } = XCOPA_CONNECTORS[lang];
  return { ...ex, context: ex.context.replace(new RegExp(` ${cause}$`), ` {{"${cause}" if question == "cause" else "${effect}"}}`) };
}

const LANGS = ['en', 'zh', 'vi'] as const;

/** XCOPA (lm-evaluation-harness `xcopa_<lang>`; English COPA for `en`): choosing the cause or effect of a premise. */
export const xcopa = mcTask({
  name: 'xcopa',
  langs: LANGS,
  candidates: (l) => [`${l}/test.${l}.jsonl`, `test.${l}.jsonl`, `${l}/test-${l}.jsonl`, `test-${l}.jsonl`],
  load: async (p, l) => (await loadXcopa(p)).map((r) => xcopaExample(r, l)),
  fromRows: (rows, l) => xcopaRows(rows).map((r) => xcopaExample(r, l)),
  template,
  hub: { path: () => 'cambridgeltl/xcopa', config: (l) => l, splits: ['test', 'validation'] },
});
