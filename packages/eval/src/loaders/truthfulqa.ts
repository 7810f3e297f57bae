import { readRecords, type JsonObject, type TableRows } from '../io/json-records.js';
import { arr, describe, obj, str, where } from '../io/fields.js';
import type { Targets, TruthfulRecord } from './types.js';

/**
 * A target list in either of its two published shapes: `{choices: [...], labels: [...]}` (HF `truthful_qa`,
 * Okapi m_truthfulqa) or `{answer: 0/1, ...}` (the original `mc_task.json`).
 */
function targets(o: JsonObject, key: string, at: string): Targets {
  const t = obj(o, key, at);
  let choices: unknown[];
  let labels: unknown[];
  if (Array.isArray(t.choices) || Array.isArray(t.labels)) {
    choices = arr(t, 'choices', `${at} ${key}`);
    labels = arr(t, 'labels', `${at} ${key}`);
    if (choices.length !== labels.length) {
      throw new Error(`eval: ${at}: ${key} has ${choices.length} choices but ${labels.length} labels`);
    }
  } else {
    choices = Object.keys(t);
    labels = Object.values(t);
  }
  choices.forEach((c) => {
    if (typeof c !== 'string') throw new Error(`eval: ${at}: ${key} choices must be strings, got ${describe(c)}`);
  });
  labels.forEach((l) => {
    if (l !== 0 && l !== 1) throw new Error(`eval: ${at}: ${key} labels must be 0 or 1, got ${describe(l)}`);
  });
  if (choices.length < 2) throw new Error(`eval: ${at}: ${key} has ${choices.length} choice(s); at least 2 are needed`);
  if (!labels.includes(1)) throw new Error(`eval: ${at}: ${key} marks no answer as true (label 1)`);
  return { choices: choices as string[], labels: labels as number[] };
}

/** TruthfulQA multiple-choice rows (`question`, `mc1_targets`, `mc2_targets`) from any record file. */
export function truthfulRows({ path, records, unit }: TableRows): TruthfulRecord[] {
  return records.map(({ value: o, line }) => {
    const at = where(path, line, unit);
    const mc1 = targets(o, 'mc1_targets', at);
    if (mc1.labels.filter((l) => l === 1).length !== 1) {
      throw new Error(`eval: ${at}: mc1_targets must mark exactly one answer as true`);
    }
    return { id: typeof o.id === 'string' ? o.id : String(line - 1), question: str(o, 'question', at), mc1, mc2: targets(o, 'mc2_targets', at) };
  });
}

/** TruthfulQA multiple choice: `mc_task.json`, HF `truthful_qa/multiple_choice`, or Okapi m_truthfulqa (JSON / JSONL). */
export function loadTruthfulQa(path: string): TruthfulRecord[] {
  return truthfulRows({ path, ...readRecords(path, 'TruthfulQA') });
}
