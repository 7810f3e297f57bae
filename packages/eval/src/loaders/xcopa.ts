import { readText } from '../io/read-text.js';
import { parseJsonLines, type TableRows } from '../io/json-records.js';
import { describe, int, str, where } from '../io/fields.js';
import type { CopaRecord } from './types.js';

/** XCOPA / COPA rows (JSON Lines or the Hub's Parquet): `premise, choice1, choice2, question, label (0/1)`, `idx`. */
export function xcopaRows({ path, records, unit }: TableRows): CopaRecord[] {
  return records.map(({ value: o, line }, i) => {
    const at = where(path, line, unit);
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
export function loadXcopa(path: string): CopaRecord[] {
  return xcopaRows({ path, records: parseJsonLines(readText(path, 'XCOPA'), path), unit: 'line' });
}
