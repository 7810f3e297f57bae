/*
 * Entropy-based critical-layer selection (docs/design.md, "The method"): while an English-centric model reads target-language input,
 * the logit-lens entropy per layer stays high during language conversion, drops sharply when conversion ends
 * (→ lcLayer i) and drops again where the model "thinks in English" (→ etLayer j).
 *
 * The rule, on a curve E[0..L] (E[k] = mean entropy of the lens of hidden state k, HF indexing):
 *  1. Smooth with a running median of `smooth` layers (default 3). A median keeps steps exactly where they are
 *     (any monotone stretch is unchanged) and removes one-layer spikes, unlike a moving average, which would
 *     smear a step over the window and shift where it seems to end.
 *  2. Drops d_k = S[k-1] - S[k] for k = 1..K, with K = L - 1: the final-normed state L is left out by default,
 *     because its lens is the model's output distribution, which sharpens in every model, and supervising there
 *     is the ordinary loss (`includeFinal` puts it back).
 *  3. A drop is sharp when d_k >= threshold = max(minDrop, relDrop × (max S - min S over 0..K),
 *     median(r) + noiseZ × 1.4826 × MAD(r)), where r are the same differences of the raw (unsmoothed) curve;
 *     the noise term only when K >= 6 (fewer differences say nothing about noise). So a drop must be sizeable in
 *     nats, relative to the curve's own range, and stand out from the typical layer-to-layer change.
 *  4. Consecutive sharp layers form one drop event; its size is the total fall and its layer is where it ends
 *     (the first hidden state at the bottom of the fall).
 *  5. The two largest events at least `minGap` layers apart are taken, in layer order: the first gives i, the
 *     second j.
 *  6. One event only: it is i when it lies nearer the paper's i than its j (LLaMA-2-7B: i = 2, j = 15 of 32
 *     layers, so below ~L/4), else j; the other layer comes from the paper's proportions. No event: both come
 *     from those proportions. The result then always satisfies 1 <= i < j <= K (i = j = L when L = 1).
 */

export interface DropRuleOptions {
  /** Running-median window in layers (odd; 1 = no smoothing). Default 3. */
  smooth?: number;
  /** Least distance in layers between the two selected drops. Default max(1, round(L / 8)). */
  minGap?: number;
  /** Least size of a sharp one-layer drop in nats. Default 0.05. */
  minDrop?: number;
  /** Least size of a sharp one-layer drop as a fraction of the curve's range. Default 0.1. */
  relDrop?: number;
  /** Robust z-score above the median layer-to-layer change a sharp drop needs (when L >= 7). Default 4. */
  noiseZ?: number;
  /** Let the drop into the final-normed state L count. Default false. */
  includeFinal?: boolean;
}

/** One drop event: layers `start..end` each fell by at least the threshold. */
export interface Drop {
  /** First hidden state below the fall's top (the first k with a sharp d_k). */
  start: number;
  /** Where the fall ends: the suggested layer. */
  layer: number;
  /** Total fall S[start - 1] - S[layer] in nats. */
  size: number;
}

export type SuggestionSource = 'two-drops' | 'one-drop' | 'fallback';

export interface LayerSuggestion {
  lcLayer: number;
  etLayer: number;
  /** How the layers were found: two drop events, one (the other from the paper's proportions), or none. */
  source: SuggestionSource;
  /** Every sharp drop event, largest first. */
  drops: Drop[];
  /** The events used for i and j, in layer order. */
  selected: Drop[];
  /** The smoothed curve the rule read. */
  smoothed: number[];
  /** The sharpness threshold in nats. */
  threshold: number;
  /** The resolved options. */
  options: Required<DropRuleOptions>;
  /** One line saying what was found, for logs and reports. */
  explanation: string;
}

/** The paper's layers for LLaMA-2-7B (i = 2, j = 15 of 32) as fractions of the depth. */
export const PAPER_LAYER_RATIOS = { lc: 2 / 32, et: 15 / 32 } as const;

/** Running median with a symmetric window shrunk at the ends (the endpoints stay as they are). */
export function runningMedian(xs: readonly number[], window: number): number[] {
  if (!Number.isInteger(window) || window < 1 || window % 2 === 0) {
    throw new Error(`runningMedian: window must be an odd positive integer, got ${window}`);
  }
  const h = (window - 1) / 2;
  return xs.map((_, k) => {
    const r = Math.min(h, k, xs.length - 1 - k);
    return median(xs.slice(k - r, k + r + 1));
  });
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

function checkCurve(curve: readonly number[], name: string): void {
  if (!Array.isArray(curve) || curve.length < 2) {
    throw new Error(`${name}: expected an entropy per hidden state 0..L (at least 2 values), got ${Array.isArray(curve) ? curve.length : typeof curve}`);
  }
  curve.forEach((v, k) => {
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new Error(`${name}: value at layer ${k} is ${v}, expected a finite number`);
  });
}

export function resolveRuleOptions(numLayers: number, opts: DropRuleOptions = {}): Required<DropRuleOptions> {
  const o: Required<DropRuleOptions> = {
    smooth: opts.smooth ?? 3,
    minGap: opts.minGap ?? Math.max(1, Math.round(numLayers / 8)),
    minDrop: opts.minDrop ?? 0.05,
    relDrop: opts.relDrop ?? 0.1,
    noiseZ: opts.noiseZ ?? 4,
    includeFinal: opts.includeFinal ?? false,
  };
  if (!Number.isInteger(o.smooth) || o.smooth < 1 || o.smooth % 2 === 0) throw new Error(`drop rule: smooth must be an odd positive integer, got ${o.smooth}`);
  if (!Number.isInteger(o.minGap) || o.minGap < 1) throw new Error(`drop rule: minGap must be a positive integer, got ${o.minGap}`);
  for (const k of ['minDrop', 'relDrop', 'noiseZ'] as const) {
    if (!Number.isFinite(o[k]) || o[k] < 0) throw new Error(`drop rule: ${k} must be a non-negative number, got ${o[k]}`);
  }
  return o;
}

/** Sharp drop events of an entropy curve (steps 1-4 of the rule), largest first. */
export function detectDrops(
  curve: readonly number[],
  opts: DropRuleOptions = {},
): { drops: Drop[]; smoothed: number[]; threshold: number; options: Required<DropRuleOptions> } {
  checkCurve(curve, 'detectDrops: curve');
  const L = curve.length - 1;
  const o = resolveRuleOptions(L, opts);
  const smoothed = runningMedian(curve, o.smooth);
  const K = o.includeFinal ? L : L - 1;
  const d: number[] = [];
  for (let k = 1; k <= K; k++) d.push(smoothed[k - 1]! - smoothed[k]!);
  const span = smoothed.slice(0, K + 1);
  let threshold = Math.max(o.minDrop, o.relDrop * (Math.max(...span) - Math.min(...span)));
  if (K >= 6) {
    // Noise is read from the raw curve: the median filter flattens jitter into runs, which would make it look calm.
    const raw: number[] = [];
    for (let k = 1; k <= K; k++) raw.push(curve[k - 1]! - curve[k]!);
    const m = median(raw);
    const mad = median(raw.map((x) => Math.abs(x - m)));
    threshold = Math.max(threshold, m + o.noiseZ * 1.4826 * mad);
  }
  const drops: Drop[] = [];
  for (let k = 1; k <= K; k++) {
    if (d[k - 1]! < threshold || threshold <= 0) continue;
    const last = drops[drops.length - 1];
    if (last && last.layer === k - 1) {
      last.layer = k;
      last.size += d[k - 1]!;
    } else drops.push({ start: k, layer: k, size: d[k - 1]! });
  }
  drops.sort((a, b) => b.size - a.size || a.layer - b.layer);
  return { drops, smoothed, threshold, options: o };
}

/** Suggested lcLayer / etLayer from a target-language entropy curve E[0..L] (the whole rule above). */
export function suggestLayers(curve: readonly number[], opts: DropRuleOptions = {}): LayerSuggestion {
  const { drops, smoothed, threshold, options } = detectDrops(curve, opts);
  const L = curve.length - 1;
  const selected: Drop[] = [];
  for (const e of drops) {
    if (selected.length === 2) break;
    if (selected.every((s) => Math.abs(s.layer - e.layer) >= options.minGap)) selected.push(e);
  }
  selected.sort((a, b) => a.layer - b.layer);
  const paperI = Math.round(PAPER_LAYER_RATIOS.lc * L);
  const paperJ = Math.round(PAPER_LAYER_RATIOS.et * L);
  let i: number;
  let j: number;
  let source: SuggestionSource;
  if (selected.length === 2) {
    [i, j] = [selected[0]!.layer, selected[1]!.layer];
    source = 'two-drops';
  } else if (selected.length === 1) {
    const at = selected[0]!.layer;
    source = 'one-drop';
    if (Math.abs(at - paperI) <= Math.abs(at - paperJ)) [i, j] = [at, Math.max(paperJ, at + options.minGap)];
    else [i, j] = [Math.min(paperI, at - options.minGap), at];
  } else {
    [i, j] = [paperI, paperJ];
    source = 'fallback';
  }
  [i, j] = orderedPair(i, j, L, options.includeFinal ? L : Math.max(L - 1, Math.min(2, L)));
  const fmt = (e: Drop) => `${e.start === e.layer ? e.layer : `${e.start}-${e.layer}`} (−${e.size.toFixed(3)} nats)`;
  const found = drops.length ? `sharp drops at ${drops.map(fmt).join(', ')}` : 'no sharp drop';
  const how =
    source === 'two-drops'
      ? 'the two largest drops'
      : source === 'one-drop'
        ? `one drop; the other layer from the paper's proportions (${PAPER_LAYER_RATIOS.lc * 32}/32, ${PAPER_LAYER_RATIOS.et * 32}/32 of the depth)`
        : `the paper's proportions (${PAPER_LAYER_RATIOS.lc * 32}/32, ${PAPER_LAYER_RATIOS.et * 32}/32 of the depth)`;
  const explanation = `lcLayer ${i}, etLayer ${j} from ${how}: ${found} (threshold ${threshold.toFixed(3)} nats, minimum gap ${options.minGap})`;
  return { lcLayer: i, etLayer: j, source, drops, selected, smoothed, threshold, options, explanation };
}

/** Clamps to 1 <= i < j <= top (top = highest allowed layer); a one-layer model gets i = j = 1. */
function orderedPair(i: number, j: number, L: number, top: number): [number, number] {
  const hi = Math.min(Math.max(top, 1), L);
  i = Math.min(Math.max(i, 1), hi);
  j = Math.min(Math.max(j, 1), hi);
  if (j > i) return [i, j];
  if (hi === 1) return [1, 1];
  if (i < hi) return [i, i + 1];
  return [hi - 1, hi];
}
