import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { crc32c, maskedCrc32c } from './crc32c.js';
import { decodeEvent, encodeEvent } from './event-proto.js';
import { EVENT_FILE_VERSION, EventFileWriter, readEventFile } from './event-file.js';
import { decodeRecords, encodeRecord } from './tfrecord.js';
import { tensorboardScalars } from './tensorboard-log.js';

const dir = mkdtempSync(join(tmpdir(), 'dft-tfevents-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const ascii = (s: string) => new TextEncoder().encode(s);

describe('CRC-32C', () => {
  it('matches the published check values (RFC 3720 B.4 and the "123456789" check)', () => {
    expect(crc32c(ascii('123456789'))).toBe(0xe3069283);
    expect(crc32c(new Uint8Array(32))).toBe(0x8a9136aa);
    expect(crc32c(new Uint8Array(32).fill(0xff))).toBe(0x62a8ab43);
    expect(crc32c(Uint8Array.from({ length: 32 }, (_, i) => i))).toBe(0x46dd794e);
  });

  it('masks as TensorFlow does: the header of a file_version record is the one every TF event file starts with', () => {
    // The 24-byte length of TensorFlow's first event, and its masked CRC, as seen at the start of any tfevents file.
    const header = encodeRecord(new Uint8Array(24)).subarray(0, 12);
    expect([...header]).toEqual([0x18, 0, 0, 0, 0, 0, 0, 0, 0xa3, 0x7f, 0x4b, 0x22]);
    expect(maskedCrc32c(new Uint8Array(0))).toBe(0xa282ead8);
  });
});

describe('TFRecord', () => {
  it('round-trips records of any length and rejects a flipped bit or a torn tail, naming the byte', () => {
    const records = [new Uint8Array(0), ascii('a'), Uint8Array.from({ length: 300 }, (_, i) => i % 256)];
    const file = new Uint8Array(records.reduce((s, r) => s + r.length + 16, 0));
    let at = 0;
    for (const r of records) {
      file.set(encodeRecord(r), at);
      at += r.length + 16;
    }
    expect(decodeRecords(file, 'f').map((r) => [...r])).toEqual(records.map((r) => [...r]));
    const flipped = file.slice();
    flipped[33 + 12 + 5] ^= 1; // inside the third record's data (records start at bytes 0, 16, 33)
    expect(() => decodeRecords(flipped, 'f')).toThrow('f: bad data CRC of the record at byte 33');
    const badLength = file.slice();
    badLength[16] ^= 1; // the second record's length
    expect(() => decodeRecords(badLength, 'f')).toThrow('f: bad length CRC of the record at byte 16');
    expect(() => decodeRecords(file.subarray(0, file.length - 3), 'f')).toThrow('f: truncated record at byte 33');
  });
});

describe('Event protobuf', () => {
  it('encodes the file_version event byte for byte as TensorFlow (wall_time, no step 0, file_version)', () => {
    const bytes = encodeEvent({ wallTime: 1.5, step: 0, fileVersion: EVENT_FILE_VERSION });
    // field 1 (double, wire 1) = 0x09 + 8 bytes; field 3 (string, wire 2) = 0x1a, length 13, "brain.Event:2".
    expect([...bytes]).toEqual([0x09, 0, 0, 0, 0, 0, 0, 0xf8, 0x3f, 0x1a, 13, ...ascii('brain.Event:2')]);
    expect(bytes.length).toBe(24);
  });

  it('round-trips scalar summaries with multi-byte varints (steps ≥ 128, long tags) at float32 precision', () => {
    const tags = { 'train/loss': 2.25, 'eval/loss': 1 / 3, ['x'.repeat(200)]: -7 };
    const e = decodeEvent(encodeEvent({ wallTime: 1700000000.25, step: 300_000, scalars: tags }));
    expect(e.wallTime).toBe(1700000000.25);
    expect(e.step).toBe(300_000);
    expect(e.scalars).toEqual({ 'train/loss': 2.25, 'eval/loss': Math.fround(1 / 3), ['x'.repeat(200)]: -7 });
    // The scalar sits in Summary.value[i].simple_value: field 2, wire type 5 (0x15), little-endian float32.
    const bytes = encodeEvent({ wallTime: 0, step: 1, scalars: { a: 1 } });
    expect([...bytes.subarray(-8)]).toEqual([0x0a, 0x01, 0x61, 0x15, 0, 0, 0x80, 0x3f]);
  });
});

describe('EventFileWriter', () => {
  it('writes events.out.tfevents.<time>.<host>: file_version first, then one event of scalars per step; reads back', () => {
    let t = 1700000123.75;
    const w = new EventFileWriter(join(dir, 'run'), { now: () => (t += 1), host: 'box' });
    w.scalars(1, { 'train/loss': 3.5, 'train/learning_rate': 0.001 });
    w.scalars(2, { 'train/loss': 2.75 });
    w.close();
    expect(readdirSync(join(dir, 'run'))).toEqual(['events.out.tfevents.1700000124.box']);
    expect(readEventFile(w.path)).toEqual([
      { wallTime: 1700000124.75, step: 0, fileVersion: 'brain.Event:2' },
      { wallTime: 1700000125.75, step: 1, scalars: { 'train/loss': 3.5, 'train/learning_rate': Math.fround(0.001) } },
      { wallTime: 1700000126.75, step: 2, scalars: { 'train/loss': 2.75 } },
    ]);
    expect(() => w.scalars(3, { a: 1 })).toThrow('event file is closed');
    // A corrupted byte is caught by the reader, naming the file.
    const bytes = readFileSync(w.path);
    bytes[bytes.length - 6] ^= 0x40;
    const bad = join(dir, 'bad.tfevents');
    writeFileSync(bad, bytes);
    expect(() => readEventFile(bad)).toThrow(`${bad}: bad data CRC`);
  });
});

describe('tensorboardScalars', () => {
  it("names a step's row as HF's TensorBoardCallback does and leaves out what every event already carries", () => {
    const row = { step: 3, epoch: 0.5, loss: 2.5, lr: 1e-4, learning_rate: 1e-4, gradNorm: 0.7, grad_norm: 0.7, tokens: 4096, tokPerS: 900, elapsedS: 12.5, peakBytes: 1e6, tft: 2, lc: 0.25 };
    expect(tensorboardScalars(row)).toEqual({
      'train/epoch': 0.5,
      'train/loss': 2.5,
      'train/learning_rate': 1e-4,
      'train/grad_norm': 0.7,
      'train/num_input_tokens_seen': 4096,
      'train/tokPerS': 900,
      'train/peakBytes': 1e6,
      'train/tft': 2,
      'train/lc': 0.25,
    });
  });

  it('names an evaluation row eval/<metric>, and keeps task scores named eval/<task>/<metric>', () => {
    const row = { step: 4, epoch: 1, eval_loss: 1.5, eval_runtime: 2, eval_samples: 8, elapsedS: 20, 'eval/xcopa:zh/acc': 0.6 };
    expect(tensorboardScalars(row)).toEqual({ 'train/epoch': 1, 'eval/loss': 1.5, 'eval/runtime': 2, 'eval/samples': 8, 'eval/xcopa:zh/acc': 0.6 });
  });
});
