import { createWriteStream, renameSync, rmSync } from 'node:fs';
import { tempPathFor } from '@dft/util/internal';
import type { WriteStream } from 'node:fs';
import { once } from 'node:events';
import { pipeline } from 'node:stream/promises';
import { RecordBatchStreamWriter } from 'apache-arrow';
import type { RecordBatch, Schema } from 'apache-arrow';

/**
 * Streams record batches into an Arrow IPC *stream* (the format Hugging Face `datasets` reads with
 * `Dataset.from_file`; our reader indexes its batches itself) at a temp path.
 * `commit()` renames it into place; `abort()` removes it. Memory stays bounded: each write waits until the
 * bytes have reached the file stream's buffer and that buffer has drained.
 */
export class ArrowStreamSink {
  readonly tmpPath: string;
  private readonly writer = new RecordBatchStreamWriter();
  private readonly out: WriteStream;
  private readonly done: Promise<void>;
  private failed: Error | null = null;
  rows = 0;

  constructor(
    readonly finalPath: string,
    schema: Schema,
  ) {
    this.tmpPath = tempPathFor(finalPath);
    this.out = createWriteStream(this.tmpPath);
    this.done = pipeline(this.writer.toNodeStream(), this.out).catch((e: Error) => {
      this.failed = new Error(`${finalPath}: write failed (${e.message})`, { cause: e });
    });
    this.writer.reset(undefined, schema);
  }

  async write(batch: RecordBatch): Promise<void> {
    if (this.failed) throw this.failed;
    this.writer.write(batch);
    this.rows += batch.numRows;
    // Let the pipeline move the batch's bytes, then honour the file stream's back-pressure.
    await new Promise((r) => setImmediate(r));
    if (this.out.writableNeedDrain) await once(this.out, 'drain');
    if (this.failed) throw this.failed;
  }

  /** Writes the end-of-stream marker and waits until every byte is on disk (still at the temp path). */
  async close(): Promise<void> {
    this.writer.finish();
    await this.done;
    if (this.failed) throw this.failed;
  }

  commit(): void {
    renameSync(this.tmpPath, this.finalPath);
  }

  async abort(): Promise<void> {
    // Close normally (aborting the writer's byte queue leaves rejected reads nobody awaits), then delete.
    this.writer.close();
    await this.done;
    rmSync(this.tmpPath, { force: true });
  }
}
