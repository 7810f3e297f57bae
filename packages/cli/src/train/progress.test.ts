import { afterEach, describe, expect, it, vi } from 'vitest';
import type { LogRow } from '@dft/core';
import { Progress } from './progress.js';

const row: LogRow = { step: 2, epoch: 0, loss: 3.14159, tft: 2, lc: 0.75, et: 0.39159, lr: 0.0005, learning_rate: 0.0005, gradNorm: 1, grad_norm: 1, tokens: 100, tokPerS: 250.4, elapsedS: 10, peakBytes: 1 };

function capture(): { out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  vi.spyOn(process.stdout, 'write').mockImplementation((s) => out.push(String(s)) > 0);
  vi.spyOn(process.stderr, 'write').mockImplementation((s) => err.push(String(s)) > 0);
  return { out, err };
}
afterEach(() => vi.restoreAllMocks());

describe('Progress', () => {
  it('on a pipe: one JSON line per step and per message on stdout, nothing on stderr', () => {
    const { out, err } = capture();
    const p = new Progress(10, false);
    p.message('hello');
    p.step(row, 0);
    p.end();
    expect(out.map((l) => JSON.parse(l))).toEqual([{ event: 'info', message: 'hello' }, { event: 'step', ...row }]);
    expect(out.every((l) => l.endsWith('\n') && l.indexOf('\n') === l.length - 1)).toBe(true);
    expect(err).toEqual([]);
  });

  it('on a TTY: one redrawn line on stderr with step, bar, loss terms, lr, tok/s and ETA', () => {
    const { out, err } = capture();
    const p = new Progress(10, true);
    p.step(row, 0);
    expect(out).toEqual([]);
    // 2 of 10 steps in 10 s → 5 s per step, 8 steps left → ETA 40 s; the bar is 1/5 full.
    expect(err).toEqual([`\r\x1b[2Kstep 2/10 [=====                   ] loss 3.1416 (tft 2.000 lc 0.750 et 0.392) lr 5.00e-4 250 tok/s ETA 40s`]);
    p.step({ ...row, step: 10, elapsedS: 130 }, 0);
    expect(err[1]).toMatch(/^\r\x1b\[2Kstep 10\/10 \[={24}\] .* ETA 0s\n$/);
    p.end();
    p.message('done');
    // The last step ended its line: end() adds no blank line.
    expect(err).toHaveLength(3);
    expect(err[2]).toBe('\r\x1b[2Kdone\n');
  });

  it('on a TTY: zero terms (sft/tft) are left out; end() finishes a bar interrupted before the last step', () => {
    const { err } = capture();
    const p = new Progress(10, true);
    p.step({ ...row, tft: 3.14159, lc: 0, et: 0 }, 0);
    expect(err[0]).toContain('loss 3.1416 (tft 3.142) lr');
    p.end();
    expect(err).toEqual([err[0], '\n']);
  });

  it('after a resume the ETA uses the pace of the steps run in this process', () => {
    const { err } = capture();
    const p = new Progress(100, true);
    // Resumed at step 50 (elapsed 500 s before), now step 60 after 20 more seconds: 2 s/step, 40 steps left.
    p.step({ ...row, step: 60, elapsedS: 520 }, 50, 500);
    expect(err[0]).toMatch(/ETA 1m20s$/);
  });

  it('the final evaluation table: Markdown on stdout on a TTY, one JSON line (rows and the same Markdown) on a pipe', () => {
    const { out, err } = capture();
    const rows = [{ task: 'xcopa', lang: 'zh', metric: 'acc', value: 50 }];
    const markdown = '| model | task |\n|---|---|\n';
    new Progress(1, true).table(markdown, rows);
    new Progress(1, false).table(markdown, rows);
    expect(out[0]).toBe(markdown);
    expect(JSON.parse(out[1])).toEqual({ event: 'results', rows, markdown });
    expect(err).toEqual([]);
  });
});
