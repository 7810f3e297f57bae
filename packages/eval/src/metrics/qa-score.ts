import { pySplit } from './text.js';
import { mkqaNormalizer, mlqaNormalizer, normalizeSquad, type Normalizer } from './normalize.js';

/** Bag-of-tokens overlap F1 in [0, 1] between two token lists (SQuAD's `Counter(a) & Counter(b)`). */
function overlapF1(pred: string[], gold: string[]): number {
  const counts = new Map<string, number>();
  for (const t of gold) counts.set(t, (counts.get(t) ?? 0) + 1);
  let same = 0;
  for (const t of pred) {
    const c = counts.get(t) ?? 0;
    if (c > 0) {
      same++;
      counts.set(t, c - 1);
    }
  }
  if (same === 0) return 0;
  const precision = same / pred.length;
  const recall = same / gold.length;
  return (2 * precision * recall) / (precision + recall);
}

/** How a scorer treats an empty answer in F1. */
type EmptyRule = 'squad' | 'mkqa';

/**
 * F1 and EM of one prediction against one gold answer, in [0, 1].
 * SQuAD / MLQA: no overlap ⇒ F1 0, even when both are empty. MKQA: if either side normalises to no tokens,
 * F1 = 1 when both do, else 0 ("No Answer" agreement).
 */
function pairScore(pred: string, gold: string, norm: Normalizer, empty: EmptyRule): { f1: number; em: number } {
  const p = norm(pred);
  const g = norm(gold);
  const pt = pySplit(p);
  const gt = pySplit(g);
  const em = p === g ? 1 : 0;
  if (empty === 'mkqa' && (pt.length === 0 || gt.length === 0)) return { f1: pt.length === gt.length ? 1 : 0, em };
  return { f1: overlapF1(pt, gt), em };
}

/** Max F1 and max EM over the gold answers (each maximised on its own, as the official scripts do), in points. */
function maxOverGold(pred: string, golds: readonly string[], norm: Normalizer, empty: EmptyRule): { f1: number; em: number } {
  if (golds.length === 0) throw new Error('eval: cannot score a prediction against an empty list of gold answers');
  let f1 = 0;
  let em = 0;
  for (const g of golds) {
    const s = pairScore(pred, g, norm, empty);
    f1 = Math.max(f1, s.f1);
    em = Math.max(em, s.em);
  }
  return { f1: 100 * f1, em: 100 * em };
}

export type QaTask = 'xquad' | 'mlqa' | 'mkqa';

/** Per-example QA scores in points (0–100). XQuAD also carries the MLQA language-aware `f1_lang` / `em_lang`. */
export interface QaScore {
  f1: number;
  em: number;
  f1_lang?: number;
  em_lang?: number;
}

export interface ScoreQaInput {
  task: QaTask;
  /** Language of the answers: en, zh, vi, ar (MKQA: en, zh_cn, vi, ar; `zh` is read as `zh_cn`). */
  lang: string;
  prediction: string;
  answers: readonly string[];
}

/**
 * Scores one generated answer the way the task's official script does (docs/design.md, "Evaluation protocols"):
 * XQuAD → SQuAD v1.1 `f1`/`em` plus MLQA-normalised `f1_lang`/`em_lang`; MLQA → MLQA's per-language rules;
 * MKQA → MKQA's rules. Values are in points (0–100).
 */
export function scoreQa({ task, lang, prediction, answers }: ScoreQaInput): QaScore {
  switch (task) {
    case 'xquad': {
      const base = maxOverGold(prediction, answers, normalizeSquad, 'squad');
      const byLang = maxOverGold(prediction, answers, mlqaNormalizer(lang), 'squad');
      return { ...base, f1_lang: byLang.f1, em_lang: byLang.em };
    }
    case 'mlqa':
      return maxOverGold(prediction, answers, mlqaNormalizer(lang), 'squad');
    case 'mkqa':
      return maxOverGold(prediction, answers, mkqaNormalizer(lang === 'zh' ? 'zh_cn' : lang), 'mkqa');
    default:
      throw new Error(`eval: scoreQa: unknown QA task "${String(task)}" (expected xquad, mlqa or mkqa)`);
  }
}
