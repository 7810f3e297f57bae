import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { LogEntry } from '../run-training.js';
import { EVENT_FILE_PREFIX, EventFileWriter } from './event-file.js';

/**
 * Log keys that are not charted: those repeating an HF-named one (`lr` = `learning_rate`), and the step and elapsed
 * time, which every TensorBoard event carries as its step and wall time.
 */
const NOT_CHARTED = new Set(['step', 'lr', 'gradNorm', 'elapsedS']);

/** Our names for what HF's Trainer logs under its own: the token counter is its `num_input_tokens_seen`. */
const HF_NAMES: Record<string, string> = { tokens: 'num_input_tokens_seen' };

/**
 * A log row's TensorBoard tags as HF's TensorBoardCallback names them: `eval_loss` → `eval/loss`, a step's
 * `loss` → `train/loss`, its token counter → `train/num_input_tokens_seen`; task scores already named
 * `eval/<task>/<metric>` keep their name.
 */
export function tensorboardScalars(row: LogEntry): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(row)) {
    if (NOT_CHARTED.has(k) || typeof v !== 'number') continue;
    if (k.startsWith('eval/')) out[k] = v;
    else if (k.startsWith('eval_')) out[`eval/${k.slice(5)}`] = v;
    else out[`train/${HF_NAMES[k] ?? k}`] = v;
  }
  return out;
}

/**
 * `reportTo: tensorboard`: the run's log as TensorBoard event files in `<out>/tensorboard`. Like log.jsonl, the
 * folder holds this run's history only: earlier event files are removed and a resumed run's rows up to its
 * checkpoint are written again (dated back by their elapsed time) before the new ones.
 */
export class TensorBoardLog {
  readonly dir: string;
  private readonly writer: EventFileWriter;

  constructor(out: string, earlier: LogEntry[]) {
    this.dir = join(out, 'tensorboard');
    for (const f of safeList(this.dir)) if (f.startsWith(EVENT_FILE_PREFIX)) rmSync(join(this.dir, f));
    this.writer = new EventFileWriter(this.dir);
    const now = Date.now() / 1000;
    const lastElapsed = earlier.at(-1)?.elapsedS ?? 0;
    for (const row of earlier) this.writer.scalars(row.step, tensorboardScalars(row), now - (lastElapsed - (row.elapsedS ?? lastElapsed)));
  }

  get file(): string {
    return this.writer.path;
  }

  add(row: LogEntry): void {
    this.writer.scalars(row.step, tensorboardScalars(row));
  }

  close(): void {
    this.writer.close();
  }
}

function safeList(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

/** Whether HF's `report_to` list asks for TensorBoard (`all` includes it; `none` alone or empty does not). */
export function reportsToTensorboard(reportTo: string[]): boolean {
  return reportTo.includes('tensorboard') || reportTo.includes('all');
}
