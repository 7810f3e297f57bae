import { loadSquad, squadRows } from '../io/squad.js';
import { FOUR_LANGS, genTask, placeholder } from './define-task.js';
import type { GenExample, QaRecord } from './types.js';

/** XQuAD's prompt words per language: context, question, answer. */
export const XQUAD_WORDS: Record<string, readonly [string, string, string]> = {
  en: ['Context', 'Question', 'Answer'],
  zh: ['语境', '问题', '回答'],
  vi: ['Bối cảnh', 'Câu hỏi', 'Trả lời'],
  ar: ['سياق', 'سؤال', 'إجابة'],
};

/** `Context: {context}\n\nQuestion: {question}\n\nAnswer:` in the given prompt language. */
export function xquadExample(r: QaRecord, promptLang: string): GenExample {
  const [c, q, a] = XQUAD_WORDS[promptLang];
  return { id: r.id, prompt: `${c}: ${r.context}\n\n${q}: ${r.question}\n\n${a}:`, answers: r.answers };
}

/** A QA record whose fields are placeholders, for the prompt templates (shared with MLQA and MKQA). */
export const QA_TEMPLATE_RECORD: QaRecord = { id: '', question: placeholder('question'), context: placeholder('context'), answers: [] };

/** XQuAD (lm-evaluation-harness `xquad_<lang>`): extractive QA on SQuAD passages, prompted in the passage's language. */
export const xquad = genTask({
  name: 'xquad',
  qa: 'xquad',
  langs: FOUR_LANGS,
  metrics: ['f1', 'em', 'f1_lang', 'em_lang'],
  candidates: (l) => [`xquad.${l}.json`],
  load: async (p, l) => (await loadSquad(p, 'XQuAD')).map((r) => xquadExample(r, l)),
  fromRows: (rows, l) => squadRows(rows).map((r) => xquadExample(r, l)),
  template: (l) => xquadExample(QA_TEMPLATE_RECORD, l),
  hub: { path: () => 'google/xquad', config: (l) => `xquad.${l}`, splits: ['validation'] },
});
