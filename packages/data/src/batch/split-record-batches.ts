import type { FileHandle } from 'node:fs/promises';
import { Message, RecordBatchReader } from 'apache-arrow';
import type { RecordBatch, Schema } from 'apache-arrow';

const FILE_MAGIC = 'ARROW1';

/** Random access to the record batches of a prepared split on disk. */
export interface SplitBatches {
  readonly schema: Schema;
  readonly numRecordBatches: number;
  readRecordBatch(i: number): Promise<RecordBatch>;
}

/**
 * Opens an Arrow IPC file in the stream format (what prepare writes and Hugging Face `datasets` reads) or the
 * file format (what prepare wrote before), by its first bytes. Reads through the returned object must not
 * overlap (they share the handle's position).
 */
export async function openSplitBatches(fh: FileHandle, path: string): Promise<SplitBatches> {
  const magic = new Uint8Array(6);
  await fh.read(magic, 0, 6, 0);
  if (new TextDecoder().decode(magic) !== FILE_MAGIC) return StreamBatches.open(fh, path);
  let reader: Awaited<ReturnType<typeof RecordBatchReader.from>>;
  try {
    reader = await RecordBatchReader.from(fh);
    await reader.open();
  } catch (e) {
    throw new Error(`${path}: not an Arrow IPC file (${(e as Error).message})`);
  }
  const file = reader as unknown as { schema: Schema; numRecordBatches: number; readRecordBatch(i: number): Promise<RecordBatch | null> };
  return {
    schema: file.schema,
    numRecordBatches: file.numRecordBatches,
    async readRecordBatch(i) {
      const batch = await file.readRecordBatch(i);
      if (!batch) throw new Error(`${path}: record batch ${i} is missing`);
      return batch;
    },
  };
}

/**
 * The IPC stream format is a schema message and record batch messages, each framed with its length, and no
 * index. One pass over the message headers finds where each record batch lies; a batch is then read alone and
 * decoded behind the schema message.
 */
class StreamBatches implements SplitBatches {
  private constructor(
    readonly schema: Schema,
    private readonly fh: FileHandle,
    private readonly schemaBytes: Uint8Array,
    private readonly batches: { offset: number; length: number }[],
  ) {}

  get numRecordBatches(): number {
    return this.batches.length;
  }

  static async open(fh: FileHandle, path: string): Promise<StreamBatches> {
    const size = (await fh.stat()).size;
    const bytes = async (offset: number, length: number) => {
      if (offset + length > size) throw new Error(`${path}: not an Arrow IPC file, or a truncated one (a message at byte ${offset} runs past the end)`);
      const buf = new Uint8Array(length);
      await fh.read(buf, 0, length, offset);
      return buf;
    };
    let pos = 0;
    let schemaBytes: Uint8Array | null = null;
    const batches: { offset: number; length: number }[] = [];
    while (pos + 4 <= size) {
      const head = new DataView((await bytes(pos, Math.min(8, size - pos))).buffer);
      // Current framing: 0xFFFFFFFF, then the metadata length; before Arrow 0.15 the length came alone.
      const continued = head.getInt32(0, true) === -1;
      const metaLength = continued ? (head.byteLength >= 8 ? head.getInt32(4, true) : 0) : head.getInt32(0, true);
      if (metaLength === 0) break; // end-of-stream marker
      const prefix = continued ? 8 : 4;
      if (metaLength < 0) throw new Error(`${path}: not an Arrow IPC file (bad message length at byte ${pos})`);
      let message: Message;
      try {
        message = Message.decode(await bytes(pos + prefix, metaLength));
      } catch (e) {
        throw new Error(`${path}: not an Arrow IPC file (unreadable message at byte ${pos}: ${(e as Error).message})`);
      }
      const length = prefix + metaLength + Number(message.bodyLength);
      if (pos + length > size) throw new Error(`${path}: not an Arrow IPC file, or a truncated one (a message at byte ${pos} runs past the end)`);
      if (message.isSchema()) schemaBytes ??= await bytes(pos, length);
      else if (message.isRecordBatch()) batches.push({ offset: pos, length });
      else throw new Error(`${path}: dictionary-encoded columns are not part of a prepared split`);
      pos += length;
    }
    if (!schemaBytes) throw new Error(`${path}: not an Arrow IPC file (no schema message)`);
    const schema = RecordBatchReader.from(schemaBytes).open().schema;
    return new StreamBatches(schema, fh, schemaBytes, batches);
  }

  async readRecordBatch(i: number): Promise<RecordBatch> {
    const { offset, length } = this.batches[i]!;
    const buf = new Uint8Array(this.schemaBytes.length + length);
    buf.set(this.schemaBytes, 0);
    await this.fh.read(buf, this.schemaBytes.length, length, offset);
    const batch = RecordBatchReader.from(buf).open().next();
    if (batch.done) throw new Error(`record batch ${i} is empty`);
    return batch.value;
  }
}
