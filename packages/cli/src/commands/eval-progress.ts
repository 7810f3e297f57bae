import type { EvalProgress } from '@dft/eval';
import { duration } from '../train/progress.js';

/**
 * Progress inside each evaluated task: a redrawn line on a TTY (examples done, examples/s, ETA), JSON lines
 * otherwise (`eval_start`, `eval_progress`, `eval_done` events); both on stderr, so stdout keeps the results.
 * The clock is a parameter so that the rates can be tested.
 */
export function evalProgress(
  write: (text: string) => void = (t) => process.stderr.write(t),
  tty = Boolean(process.stderr.isTTY),
  now: () => number = () => performance.now(),
): (p: EvalProgress) => void {
  let startMs = 0;
  return (p) => {
    const label = `eval ${p.task}:${p.lang} (${p.index + 1}/${p.total})`;
    if (p.phase === 'start') startMs = now();
    const seconds = (now() - startMs) / 1000;
    const rate = p.done > 0 && seconds > 0 ? p.done / seconds : null;
    const eta = rate === null ? null : (p.n - p.done) / rate;
    if (!tty) {
      const event = p.phase === 'start' ? 'eval_start' : p.phase === 'batch' ? 'eval_progress' : 'eval_done';
      const round = (x: number | null) => (x === null ? null : Math.round(x * 100) / 100);
      const rates = p.phase === 'start' ? {} : { examples_per_s: round(rate), eta_s: round(eta), elapsed_s: round(seconds) };
      write(`${JSON.stringify({ event, task: p.task, lang: p.lang, index: p.index, total: p.total, done: p.done, n: p.n, ...rates })}\n`);
      return;
    }
    if (p.phase === 'start') {
      write(`\r\x1b[2K${label}: ${p.n} examples`);
      return;
    }
    const width = 20;
    const bar = '='.repeat(Math.round((p.done / Math.max(1, p.n)) * width)).padEnd(width, ' ');
    const speed = rate === null ? '? ex/s' : `${rate.toFixed(1)} ex/s`;
    const tail = p.phase === 'done' ? `in ${duration(seconds)}\n` : `ETA ${duration(eta ?? NaN)}`;
    write(`\r\x1b[2K${label}: ${p.done}/${p.n} [${bar}] ${speed} ${tail}`);
  };
}
