import { arr, describe, obj } from '../io/fields.js';
import { integerFieldText, readRows, type JsonObject } from '../io/record-rows.js';
import { genTask } from './define-task.js';
import type { GenExample, QaRecord } from './types.js';
import { QA_TEMPLATE_RECORD } from './xquad.js';

/**
 * MKQA JSON Lines (`.gz` or plain): the question is `queries[lang]`, the gold answers every answer's `text`
 * and `aliases` in that language; an answer whose text is null (unanswerable, long answer) counts as "" —
 * the "No Answer" of the official script, which also de-duplicates them.
 */
export async function loadMkqa(path: string, lang: string): Promise<QaRecord[]> {
  const ids = new Set<string>();
  return (await readRows(path, 'MKQA', 'jsonl')).records.map((rec) => {
    const { value: o, where: at } = rec;
    const id = o.example_id === undefined ? '' : integerFieldText(rec, 'example_id');
    if (id === '') throw new Error(`eval: ${at}: missing "example_id"`);
    if (ids.has(id)) throw new Error(`eval: ${at}: duplicate example_id ${id}`);
    ids.add(id);
    const queries = obj(o, 'queries', at);
    const question = queries[lang] ?? (lang === 'en' ? o.query : undefined);
    if (typeof question !== 'string') throw new Error(`eval: ${at}: no "${lang}" question in "queries" (got ${describe(question)})`);
    const answers = obj(o, 'answers', at)[lang];
    if (!Array.isArray(answers) || answers.length === 0) {
      throw new Error(`eval: ${at}: no "${lang}" answers in "answers" (got ${describe(answers)})`);
    }
    const gold = new Set<string>();
    answers.forEach((ans, k) => {
      const a = ans as JsonObject;
      const where = `${at} answers.${lang}[${k}]`;
      if (a.text !== null && a.text !== undefined && typeof a.text !== 'string') {
        throw new Error(`eval: ${where}: "text" must be a string or null, got ${describe(a.text)}`);
      }
      gold.add((a.text as string | null) ?? '');
      if (a.aliases !== undefined) {
        for (const alias of arr(a, 'aliases', where)) {
          if (typeof alias !== 'string') throw new Error(`eval: ${where}: aliases must be strings, got ${describe(alias)}`);
          gold.add(alias);
        }
      }
    });
    return { id, question, context: '', answers: [...gold] };
  });
}

/** `Q: {question}?\nA:` */
export function mkqaExample(r: QaRecord): GenExample {
  return { id: r.id, prompt: `Q: ${r.question}?\nA:`, answers: r.answers };
}

const LANGS = ['en', 'zh_cn', 'vi', 'ar'] as const;

/** MKQA: open-domain questions without a passage (the harness has no MKQA task; ours follows its `task_lang` names). */
export const mkqa = genTask({
  name: 'mkqa',
  qa: 'mkqa',
  langs: LANGS,
  langAliases: { zh: 'zh_cn' },
  metrics: ['f1', 'em'],
  candidates: () => ['mkqa.jsonl.gz', 'mkqa.jsonl', 'test_mkqa.jsonl.gz', 'test_mkqa.jsonl'],
  load: async (p, l) => (await loadMkqa(p, l)).map(mkqaExample),
  template: () => mkqaExample(QA_TEMPLATE_RECORD),
  // No Parquet: MKQA's ids are 64-bit integers, which Parquet rows read as JS numbers would not keep exactly.
  hub: null,
});
