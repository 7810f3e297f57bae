import * as fs from 'node:fs';
import { hostname } from 'node:os';
import * as path from 'node:path';
import { decodeEvent, encodeEvent, type TfEvent } from './event-proto.js';
import { decodeRecords, encodeRecord } from './tfrecord.js';

/** The version string TensorBoard expects in the first event of a file. */
export const EVENT_FILE_VERSION = 'brain.Event:2';
export const EVENT_FILE_PREFIX = 'events.out.tfevents.';

export interface EventFileOptions {
  /** Wall clock in seconds (default `Date.now() / 1000`). */
  now?: () => number;
  host?: string;
}

/**
 * A TensorBoard event file (`events.out.tfevents.<seconds>.<host>`, as TensorFlow's summary writer names it):
 * a TFRecord stream of Event protos, the file_version event first, then one event of scalar summaries per step.
 * Each event is appended with one write, so a crash leaves at most a torn last record, which TensorBoard skips.
 */
export class EventFileWriter {
  readonly path: string;
  private fd: number | null;
  private readonly now: () => number;

  constructor(dir: string, opts: EventFileOptions = {}) {
    this.now = opts.now ?? (() => Date.now() / 1000);
    fs.mkdirSync(dir, { recursive: true });
    const start = this.now();
    this.path = path.join(dir, `${EVENT_FILE_PREFIX}${Math.floor(start)}.${opts.host ?? hostname()}`);
    this.fd = fs.openSync(this.path, 'w');
    this.write({ wallTime: start, step: 0, fileVersion: EVENT_FILE_VERSION });
  }

  /** One event holding a `simple_value` summary per tag. */
  scalars(step: number, values: Record<string, number>, wallTime = this.now()): void {
    this.write({ wallTime, step, scalars: values });
  }

  close(): void {
    if (this.fd !== null) fs.closeSync(this.fd);
    this.fd = null;
  }

  private write(e: TfEvent): void {
    if (this.fd === null) throw new Error(`${this.path}: event file is closed`);
    fs.writeSync(this.fd, encodeRecord(encodeEvent(e)));
  }
}

/** Every event of an event file, each record's CRCs checked. */
export function readEventFile(file: string): TfEvent[] {
  return decodeRecords(fs.readFileSync(file), file).map(decodeEvent);
}
