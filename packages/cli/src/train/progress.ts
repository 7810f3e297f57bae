import { isEvalRow, type LogRow, type TrainBegin, type TrainingCallbacks } from '@dft/core';
import { describeEvaluation } from './describe-evaluation.js';

const TERMS = ['tft', 'lc', 'et'];

export function duration(s: number): string {
  if (!Number.isFinite(s)) return '?';
  const m = Math.floor(s / 60);
  return m > 0 ? `${m}m${String(Math.round(s % 60)).padStart(2, '0')}s` : `${Math.round(s)}s`;
}

/**
 * Progress of a run: a redrawn bar on a TTY (loss terms, lr, tok/s, ETA), JSON lines otherwise (one per step, on
 * stdout, so pipes get machine-readable output).
 */
export class Progress {
  /** A bar line is on screen without its newline (so end() must finish it). */
  private open = false;

  constructor(
    private readonly totalSteps: number,
    private readonly tty = Boolean(process.stderr.isTTY),
  ) {}

  /** `startStep` / `startElapsedS`: where this process began (a resumed run's checkpoint), so the ETA uses its pace. */
  step(row: LogRow, startStep: number, startElapsedS = 0): void {
    if (!this.tty) {
      process.stdout.write(JSON.stringify({ event: 'step', ...row }) + '\n');
      return;
    }
    const done = row.step / this.totalSteps;
    const width = 24;
    const bar = '='.repeat(Math.round(done * width)).padEnd(width, ' ');
    const ran = row.step - startStep;
    const perStep = ran > 0 ? (row.elapsedS - startElapsedS) / ran : NaN;
    // Terms a method does not use (sft/tft, or a zero λ) are logged as 0: not worth the width here.
    const terms = TERMS.filter((t) => row[t] !== undefined && row[t] !== 0).map((t) => `${t} ${row[t].toFixed(3)}`).join(' ');
    const line = `step ${row.step}/${this.totalSteps} [${bar}] loss ${row.loss.toFixed(4)}${terms ? ` (${terms})` : ''} lr ${row.lr.toExponential(2)} ${Math.round(row.tokPerS)} tok/s ETA ${duration(perStep * (this.totalSteps - row.step))}`;
    this.open = row.step !== this.totalSteps;
    process.stderr.write(`\r\x1b[2K${line}${this.open ? '' : '\n'}`);
  }

  message(text: string): void {
    if (this.tty) process.stderr.write(`\r\x1b[2K${text}\n`);
    else process.stdout.write(JSON.stringify({ event: 'info', message: text }) + '\n');
  }

  /** The final evaluation: its Markdown table on stdout (as `dft eval` prints it), or one JSON line off a TTY. */
  table(markdown: string, rows: unknown[]): void {
    if (this.tty) process.stdout.write(markdown);
    else process.stdout.write(JSON.stringify({ event: 'results', rows, markdown }) + '\n');
  }

  end(): void {
    if (this.tty && this.open) process.stderr.write('\n');
    this.open = false;
  }

  /** The progress of a run of `totalSteps` optimizer steps, shown the way this one shows messages. */
  forSteps(totalSteps: number): Progress {
    return new Progress(totalSteps, this.tty);
  }
}

/** The progress of ranks > 0 of a data-parallel run: rank 0 reports for the whole world. */
export class SilentProgress extends Progress {
  override step(): void {}
  override message(): void {}
  override table(): void {}
  override end(): void {}
  override forSteps(): Progress {
    return this;
  }
}

/** A training job's callbacks drawn on `progress`: its messages, a bar over the job's steps, validation lines. */
export function progressCallbacks(progress: Progress): TrainingCallbacks {
  let bar = progress;
  let begin: TrainBegin = { totalSteps: 0, startStep: 0, startElapsedS: 0 };
  return {
    onMessage: (text) => bar.message(text),
    onTrainBegin: (b) => {
      begin = b;
      bar = progress.forSteps(b.totalSteps);
    },
    onStep: (row) => bar.step(row, begin.startStep, begin.startElapsedS),
    onLog: (row) => {
      if (isEvalRow(row)) bar.message(describeEvaluation(row));
    },
    onTrainEnd: () => bar.end(),
  };
}
