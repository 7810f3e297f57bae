/** Levenshtein distance (insertions, deletions, substitutions; a swap of neighbours counts 1, as in git and HF). */
export function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.length][b.length];
}

/** Spelling-insensitive form: case, `-` and `_` do not count (`max_steps`, `maxSteps` and `max-steps` are one name). */
const fold = (s: string) => s.toLowerCase().replace(/[-_]/g, '');

/**
 * The candidate closest to `name`, when it is close enough to be a slip: at most a third of the name's length
 * (at least 1, at most 3) edits apart once case, `-` and `_` are ignored. Ties go to the earlier candidate.
 */
export function closest(name: string, candidates: Iterable<string>): string | undefined {
  const want = fold(name);
  const limit = Math.min(3, Math.max(1, Math.floor(want.length / 3)));
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const c of candidates) {
    const d = editDistance(want, fold(c));
    if (d < bestDistance) [best, bestDistance] = [c, d];
  }
  return bestDistance <= limit ? best : undefined;
}

/** ` (did you mean X?)` or nothing. */
export function didYouMean(name: string, candidates: Iterable<string>, show: (c: string) => string = (c) => c): string {
  const c = closest(name, candidates);
  return c === undefined ? '' : ` (did you mean ${show(c)}?)`;
}
