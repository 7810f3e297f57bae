import { expectCells, parseTsv, type Row } from '../io/delimited.js';
import { describe } from '../io/fields.js';
import { readText } from '../io/read-text.js';
import { readRows, type JsonObject, type TableRows } from '../io/record-rows.js';
import { FOUR_LANGS, mcTask, placeholder } from './define-task.js';
import type { McExample } from './types.js';

export type NliLabel = 0 | 1 | 2;

/** XNLI: label 0 entailment, 1 neutral, 2 contradiction (HF `xnli` order). */
export interface NliRecord {
  id: string;
  premise: string;
  hypothesis: string;
  label: NliLabel;
}

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

function pick(o: JsonObject, keys: string[], at: string): string {
  for (const k of keys) if (typeof o[k] === 'string') return o[k] as string;
  throw new Error(`eval: ${at}: expected a string field ${keys.map((k) => `"${k}"`).join(' or ')}`);
}

/**
 * Record rows (JSON Lines, or the Hub's per-language Parquet): XNLI 1.0 field names (`sentence1`, `sentence2`,
 * `gold_label`, `language`, filtered by language) or HF `facebook/xnli` ones (`premise`, `hypothesis`, `label`).
 */
export function xnliRows({ records }: TableRows, lang: string): NliRecord[] {
  const out: NliRecord[] = [];
  for (const { value: o, where: at } of records) {
    if (typeof o.language === 'string' && o.language !== lang) continue;
    const premise = pick(o, ['premise', 'sentence1'], at);
    const hypothesis = pick(o, ['hypothesis', 'sentence2'], at);
    out.push({ id: String(out.length), premise, hypothesis, label: label(o.label ?? o.gold_label, at) });
  }
  return out;
}

/**
 * Loads XNLI for one language from: XTREME's headerless `premise \t hypothesis \t label` TSV, XNLI 1.0's
 * header TSV (`xnli.dev.tsv`, filtered by language) or JSON Lines (XNLI 1.0 or HF field names).
 */
export async function loadXnli(path: string, lang: string): Promise<NliRecord[]> {
  if (/\.jsonl(\.gz)?$/i.test(path)) return xnliRows(await readRows(path, 'XNLI'), lang);
  const rows = parseTsv(readText(path, 'XNLI'), path);
  if (rows.length > 0 && rows[0].cells.includes('gold_label')) return fromHeaderTsv(rows, path, lang);
  return rows.map((r, i) => {
    expectCells(r, 3, path, 'XNLI (premise, hypothesis, label)');
    return { id: String(i), premise: r.cells[0], hypothesis: r.cells[1], label: label(r.cells[2], `${path}:${r.line}`) };
  });
}

/** Question word and the entailment / neutral / contradiction words, per language (lm-evaluation-harness). */
export const XNLI_WORDS: Record<string, readonly [string, string, string, string]> = {
  en: ['right', 'Yes', 'Also', 'No'],
  zh: ['正确', '是的', '所以', '不是的'],
  vi: ['đúng', 'Vâng', 'Vì vậy', 'Không'],
  ar: ['صحيح', 'نعم', 'لذا', 'رقم'],
};

/** Empty context; each choice is the whole sentence `premise, right? Yes, hypothesis` (and Also / No). */
export function xnliExample(r: NliRecord, lang: string): McExample {
  const [q, ...labels] = XNLI_WORDS[lang];
  return {
    id: r.id,
    context: '',
    choices: labels.map((l) => `${r.premise}, ${q}? ${l}, ${r.hypothesis}`),
    delimiter: '',
    gold: r.label,
  };
}

/** XNLI (lm-evaluation-harness `xnli_<lang>`): natural language inference as a three-way choice of whole sentences. */
export const xnli = mcTask({
  name: 'xnli',
  langs: FOUR_LANGS,
  candidates: (l) => [`test-${l}.tsv`, `dev-${l}.tsv`, 'xnli.test.jsonl', 'xnli.test.tsv', 'xnli.dev.jsonl', 'xnli.dev.tsv'],
  load: async (p, l) => (await loadXnli(p, l)).map((r) => xnliExample(r, l)),
  fromRows: (rows, l) => xnliRows(rows, l).map((r) => xnliExample(r, l)),
  template: (l) => xnliExample({ id: '', premise: placeholder('premise'), hypothesis: placeholder('hypothesis'), label: 0 }, l),
  hub: { path: () => 'facebook/xnli', config: (l) => l, splits: ['test', 'validation'] },
});
