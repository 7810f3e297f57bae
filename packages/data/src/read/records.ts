import { basename } from 'node:path';
import type { SourceRecord } from './source-record.js';

/** One example in one target language, with its English original. */
export interface ParallelExample {
  id: string;
  lang: string;
  instruction: string;
  input: string;
  output: string;
  enInstruction: string;
  enInput: string;
  enOutput: string;
  /** Translation quality grade when the source has one (`metadata.score` or `score`). */
  score?: number;
}

/** The text of an Alpaca-shaped record (`instruction`, optional `input`, `output`). */
export interface AlpacaText {
  instruction: string;
  input: string;
  output: string;
}

type Obj = Record<string, unknown>;

export function asObject(rec: SourceRecord): Obj {
  const v = rec.value;
  if (v === null || typeof v !== 'object' || Array.isArray(v))
    throw new Error(`${rec.where}: record ${rec.index} must be an object, found ${v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v}`);
  return v as Obj;
}

function str(o: Obj, key: string, rec: SourceRecord, optional = false): string {
  const v = o[key];
  if (v === undefined || v === null) {
    if (optional) return '';
    throw new Error(`${rec.where}: record ${rec.index} is missing field "${key}" (expected a string)`);
  }
  if (typeof v !== 'string') throw new Error(`${rec.where}: record ${rec.index} field "${key}" must be a string, found ${typeof v}`);
  return v;
}

/** Stable id: the record's own `id` when it has one, else `<file name>#<index>`. */
export function recordId(o: Obj, rec: SourceRecord): string {
  const v = o.id;
  if (typeof v === 'string' && v !== '') return v;
  if (typeof v === 'number') return String(v);
  return `${basename(rec.file)}#${rec.index}`;
}

export function recordScore(o: Obj): number | undefined {
  const meta = o.metadata;
  const s = meta && typeof meta === 'object' ? (meta as Obj).score : o.score;
  return typeof s === 'number' && Number.isFinite(s) ? s : undefined;
}

/** Alpaca fields, with an optional prefix (`en_`, `zh_`); a missing input means no input, as in Alpaca. */
export function alpacaText(o: Obj, rec: SourceRecord, prefix = ''): AlpacaText {
  return {
    instruction: str(o, `${prefix}instruction`, rec),
    input: str(o, `${prefix}input`, rec, true),
    output: str(o, `${prefix}output`, rec),
  };
}

/** Languages present in a parallel record: every `<lang>_instruction` other than `en_instruction`. */
export function parallelLanguages(o: Obj): string[] {
  return Object.keys(o)
    .map((k) => /^(.+)_instruction$/.exec(k)?.[1])
    .filter((l): l is string => l !== undefined && l !== 'en');
}

export type RecordShape = 'parallel' | 'alpaca';

export function recordShape(o: Obj, rec: SourceRecord): RecordShape {
  if ('en_instruction' in o) return 'parallel';
  if ('instruction' in o) return 'alpaca';
  throw new Error(
    `${rec.where}: record ${rec.index} has neither "instruction" nor "en_instruction" ` +
      `(expected Alpaca fields or the parallel en_* and <lang>_* fields; found ${Object.keys(o).join(', ') || 'no fields'})`,
  );
}

export function makeExample(id: string, lang: string, tgt: AlpacaText, en: AlpacaText, score?: number): ParallelExample {
  const ex: ParallelExample = {
    id,
    lang,
    instruction: tgt.instruction,
    input: tgt.input,
    output: tgt.output,
    enInstruction: en.instruction,
    enInput: en.input,
    enOutput: en.output,
  };
  if (score !== undefined) ex.score = score;
  return ex;
}

/** True when either side lacks an instruction or an output (such rows teach nothing and are skipped). */
export function isEmptyExample(ex: ParallelExample): boolean {
  return !ex.instruction.trim() || !ex.output.trim() || !ex.enInstruction.trim() || !ex.enOutput.trim();
}
