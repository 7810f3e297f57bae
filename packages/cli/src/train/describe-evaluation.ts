import type { EvalLogRow } from '@dft/core';

/** A one-line summary of an evaluation row for the progress output. */
export function describeEvaluation(row: EvalLogRow): string {
  const terms = Object.keys(row)
    .filter((k) => k.startsWith('eval_') && !['eval_loss', 'eval_runtime', 'eval_samples', 'eval_samples_per_second'].includes(k))
    // Terms the method does not use (sft/tft, or a zero λ) are logged as 0, as in the progress bar: not shown.
    .filter((k) => row[k] !== 0)
    .map((k) => `${k.slice(5)} ${row[k]!.toFixed(4)}`);
  return `validation at step ${row.step}: eval_loss ${row.eval_loss.toFixed(4)}${terms.length ? ` (${terms.join(', ')})` : ''} on ${row.eval_samples} examples`;
}
