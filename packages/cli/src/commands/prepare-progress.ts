import type { PrepareProgress } from '@dft/data';
import { duration } from '../train/progress.js';

interface Out {
  isTTY?: boolean;
  write(s: string): unknown;
}

/**
 * The progress bar of `dft prepare` on a terminal: share of the input bytes read, rows written, rows/s and ETA,
 * redrawn in place on stderr. Null when stderr is not a terminal (pipes and logs get only the summary).
 */
export function prepareProgressBar(out: Out = process.stderr, now: () => number = () => performance.now()): PrepareBar | null {
  return out.isTTY ? new PrepareBar(out, now) : null;
}

export class PrepareBar {
  private readonly t0: number;
  private drawn = false;

  constructor(
    private readonly out: Out,
    private readonly now: () => number,
  ) {
    this.t0 = now();
  }

  update(p: PrepareProgress): void {
    const done = p.totalBytes > 0 ? Math.min(1, p.bytesRead / p.totalBytes) : 0;
    const width = 24;
    const bar = '='.repeat(Math.round(done * width)).padEnd(width, ' ');
    const s = (this.now() - this.t0) / 1000;
    const rate = s > 0 ? p.written / s : 0;
    const eta = done > 0 ? (s * (1 - done)) / done : NaN;
    const pct = `${Math.floor(done * 100)}%`.padStart(4);
    this.out.write(`\r\x1b[2Kprepare [${bar}] ${pct} ${p.written.toLocaleString('en-US')} rows ${Math.round(rate).toLocaleString('en-US')} rows/s ETA ${duration(eta)}`);
    this.drawn = true;
  }

  end(): void {
    if (this.drawn) this.out.write('\r\x1b[2K');
    this.drawn = false;
  }
}
