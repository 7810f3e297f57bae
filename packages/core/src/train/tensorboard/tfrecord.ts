import { maskedCrc32c } from './crc32c.js';

/** One TFRecord: uint64 length, masked CRC-32C of the length, the data, masked CRC-32C of the data (little-endian). */
export function encodeRecord(data: Uint8Array): Uint8Array {
  const out = new Uint8Array(8 + 4 + data.length + 4);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(data.length), true);
  view.setUint32(8, maskedCrc32c(out.subarray(0, 8)), true);
  out.set(data, 12);
  view.setUint32(12 + data.length, maskedCrc32c(data), true);
  return out;
}

/** Splits a TFRecord file into its records, checking both CRCs of each; `where` names the file in errors. */
export function decodeRecords(bytes: Uint8Array, where: string): Uint8Array[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const records: Uint8Array[] = [];
  let at = 0;
  while (at < bytes.length) {
    if (bytes.length - at < 12) throw new Error(`${where}: truncated record header at byte ${at}`);
    const length = Number(view.getBigUint64(at, true));
    if (view.getUint32(at + 8, true) !== maskedCrc32c(bytes.subarray(at, at + 8))) throw new Error(`${where}: bad length CRC of the record at byte ${at}`);
    const end = at + 12 + length;
    if (end + 4 > bytes.length) throw new Error(`${where}: truncated record at byte ${at} (${length} bytes announced)`);
    const data = bytes.subarray(at + 12, end);
    if (view.getUint32(end, true) !== maskedCrc32c(data)) throw new Error(`${where}: bad data CRC of the record at byte ${at}`);
    records.push(data);
    at = end + 4;
  }
  return records;
}
