import type { QaRecord } from '../tasks/types.js';
import { arr, describe, obj, str } from './fields.js';
import { readText } from './read-text.js';
import { readRows, type JsonObject, type TableRows } from './record-rows.js';

/** Parses a whole-file JSON document, naming the file on a syntax error. */
function parseJsonDocument(text: string, path: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new Error(`eval: ${path} is not valid JSON: ${(e as Error).message}`);
  }
}

/** Question ids are unique within a file: a repeated one means the file was concatenated or corrupted. */
function checkId(ids: Set<string>, id: string, at: string): void {
  if (id === '') throw new Error(`eval: ${at}: missing "id"`);
  if (ids.has(id)) throw new Error(`eval: ${at}: duplicate question id "${id}"`);
  ids.add(id);
}

/**
 * One question per row, as the Hub's `google/xquad` and `facebook/mlqa` ship them (Parquet, or JSON Lines from
 * `to_json`): `id`, `context`, `question`, `answers: {text: [...], answer_start: [...]}`.
 */
export function squadRows({ records }: TableRows): QaRecord[] {
  const ids = new Set<string>();
  return records.map(({ value: o, where: at }) => {
    const id = o.id === undefined || o.id === null ? '' : String(o.id);
    checkId(ids, id, at);
    const answers = arr(obj(o, 'answers', at), 'text', `${at} answers`);
    if (answers.length === 0) throw new Error(`eval: ${at}: question "${id}" has no gold answers`);
    answers.forEach((a) => {
      if (typeof a !== 'string') throw new Error(`eval: ${at}: answers.text must hold strings, got ${describe(a)}`);
    });
    return { id, question: str(o, 'question', at), context: str(o, 'context', at), answers: answers as string[] };
  });
}

/**
 * SQuAD v1.1 JSON (XQuAD, MLQA): `data[].paragraphs[].{context, qas[].{id, question, answers[].text}}`, or
 * JSON Lines with one question per row (`squadRows`).
 */
export async function loadSquad(path: string, what: string): Promise<QaRecord[]> {
  if (/\.jsonl(\.gz)?$/i.test(path)) return squadRows(await readRows(path, what));
  const doc = parseJsonDocument(readText(path, what), path);
  if (!doc || typeof doc !== 'object' || !Array.isArray((doc as JsonObject).data)) {
    throw new Error(`eval: ${path}: expected SQuAD v1.1 JSON with a top-level "data" array`);
  }
  const out: QaRecord[] = [];
  const ids = new Set<string>();
  ((doc as JsonObject).data as unknown[]).forEach((article, a) => {
    const atA = `${path}: data[${a}]`;
    arr(article as JsonObject, 'paragraphs', atA).forEach((para, p) => {
      const atP = `${atA}.paragraphs[${p}]`;
      const context = str(para as JsonObject, 'context', atP);
      arr(para as JsonObject, 'qas', atP).forEach((qa, q) => {
        const atQ = `${atP}.qas[${q}]`;
        const o = qa as JsonObject;
        const id = String(o.id ?? '');
        checkId(ids, id, atQ);
        const answers = arr(o, 'answers', atQ).map((ans, k) => str(ans as JsonObject, 'text', `${atQ}.answers[${k}]`));
        if (answers.length === 0) throw new Error(`eval: ${atQ}: question "${id}" has no gold answers`);
        out.push({ id, question: str(o, 'question', atQ), context, answers });
      });
    });
  });
  return out;
}
