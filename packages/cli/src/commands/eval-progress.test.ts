import { describe, expect, it } from 'vitest';
import type { EvalProgress } from '@dft/eval';
import { evalProgress } from './eval-progress.js';

const at = (phase: EvalProgress['phase'], done: number): EvalProgress => ({ task: 'xnli', lang: 'zh', index: 1, total: 3, done, n: 40, phase });

/** Feeds start → 10 → 40 examples at 0 s, 2 s and 8 s of a fake clock. */
function drive(tty: boolean): string[] {
  const out: string[] = [];
  let ms = 0;
  const report = evalProgress((t) => out.push(t), tty, () => ms);
  report(at('start', 0));
  ms = 2000;
  report(at('batch', 10));
  ms = 8000;
  report(at('batch', 40));
  report(at('done', 40));
  return out;
}

describe('eval progress', () => {
  it('on a TTY: one redrawn line per task with examples/s and the ETA, ended by a newline', () => {
    expect(drive(true)).toEqual([
      '\r\x1b[2Keval xnli:zh (2/3): 40 examples',
      '\r\x1b[2Keval xnli:zh (2/3): 10/40 [=====               ] 5.0 ex/s ETA 6s',
      '\r\x1b[2Keval xnli:zh (2/3): 40/40 [====================] 5.0 ex/s ETA 0s',
      '\r\x1b[2Keval xnli:zh (2/3): 40/40 [====================] 5.0 ex/s in 8s\n',
    ]);
  });

  it('off a TTY: JSON lines (start, progress, done) with the same rates', () => {
    const lines = drive(false).map((l) => JSON.parse(l));
    expect(lines.map((l) => l.event)).toEqual(['eval_start', 'eval_progress', 'eval_progress', 'eval_done']);
    expect(lines[0]).toEqual({ event: 'eval_start', task: 'xnli', lang: 'zh', index: 1, total: 3, done: 0, n: 40 });
    expect(lines[1]).toMatchObject({ done: 10, examples_per_s: 5, eta_s: 6, elapsed_s: 2 });
    expect(lines[3]).toMatchObject({ done: 40, examples_per_s: 5, eta_s: 0, elapsed_s: 8 });
  });
});
