import { readText } from '../io/read-text.js';
import { parseJsonLines, type JsonObject, type TableRows } from '../io/json-records.js';
import { parseTsv, expectCells, type Row } from '../io/delimited.js';
import { describe, where } from '../io/fields.js';
import type { NliLabel, NliRecord } from './types.js';

const LABELS: Record<string, NliLabel> = { entailment: 0, neutral: 1, contradiction: 2 };

function label(v: unknown, at: string): NliLabel {
  if (typeof v === 'number' && (v === 0 || v === 1 || v === 2)) return v;
  if (typeof v === 'string' && v.trim() in LABELS) return LABELS[v.trim()];
  throw new Error(`eval: ${at}: label must be entailment/neutral/contradiction (or 0/1/2), got ${describe(v)}`);
}

/** XNLI 1.0's own TSV: a header naming `language`, `gold_label`, `sentence1`, `sentence2` (all languages in one). */
function fromHeaderTsv(rows: Row[], path: string, lang: string): NliRecord[] {
  const head = rows[0].cells;
  const col = (name: string) => {
    const i = head.indexOf(name);
    if (i < 0) throw new Error(`eval: ${path}:${rows[0].line}: XNLI header lacks the "${name}" column`);
    return i;
  };
  const [li, gi, s1, s2] = [col('language'), col('gold_label'), col('sentence1'), col('sentence2')];
  const out: NliRecord[] = [];
  for (const r of rows.slice(1)) {
    expectCells(r, head.length, path, 'XNLI');
    if (r.cells[li] !== lang) continue;
    out.push({ id: String(out.length), premise: r.cells[s1], hypothesis: r.cells[s2], label: label(r.cells[gi], `${path}:${r.line}`) });
  }
  return out;
}

/**
 * Record rows (JSON Lines, or the Hub's per-language Parquet): XNLI 1.0 field names (`sentence1`, `sentence2`,
 * `gold_label`, `language`, filtered by language) or HF `facebook/xnli` ones (`premise`, `hypothesis`, `label`).
 */
export function xnliRows({ path, records, unit }: TableRows, lang: string): NliRecord[] {
  const out: NliRecord[] = [];
  for (const { value: o, line } of records) {
    const at = where(path, line, unit);
    if (typeof o.language === 'string' && o.language !== lang) continue;
    const premise = pick(o, ['premise', 'sentence1'], at);
    const hypothesis = pick(o, ['hypothesis', 'sentence2'], at);
    out.push({ id: String(out.length), premise, hypothesis, label: label(o.label ?? o.gold_label, at) });
  }
  return out;
}

function pick(o: JsonObject, keys: string[], at: string): string {
  for (const k of keys) if (typeof o[k] === 'string') return o[k] as string;
  throw new Error(`eval: ${at}: expected a string field ${keys.map((k) => `"${k}"`).join(' or ')}`);
}

/**
 * Loads XNLI for one language from: XTREME's headerless `premise \t hypothesis \t label` TSV, XNLI 1.0's
 * header TSV (`xnli.dev.tsv`, filtered by language) or JSON Lines (XNLI 1.0 or HF field names).
 */
export function loadXnli(path: string, lang: string): NliRecord[] {
  const text = readText(path, 'XNLI');
  if (/\.jsonl(\.gz)?$/i.test(path)) return xnliRows({ path, records: parseJsonLines(text, path), unit: 'line' }, lang);
  const rows = parseTsv(text, path);
  if (rows.length > 0 && rows[0].cells.includes('gold_label')) return fromHeaderTsv(rows, path, lang);
  return rows.map((r, i) => {
    expectCells(r, 3, path, 'XNLI (premise, hypothesis, label)');
    return { id: String(i), premise: r.cells[0], hypothesis: r.cells[1], label: label(r.cells[2], `${path}:${r.line}`) };
  });
}
