/**
 * safetensors writer producing what Hugging Face `from_pretrained` loads: tensors sorted by name, data packed in
 * that order from offset 0, `{"format":"pt"}` metadata, the header padded with spaces to a multiple of 8 bytes
 * (so the data section is 8-byte aligned), written to a temporary file and renamed.
 */
import { dtypeByteSize, isFloatDtype, shapeSize, type FloatDtype } from './dtypes.js';
import { CheckpointError } from './errors.js';
import { writeFileAtomically } from '@dft/util';
import { writeAll } from '@dft/util/internal';
import { compareNames } from './sort.js';
import { encodeInto } from './tensor-codec.js';

export interface TensorToWrite {
  readonly name: string;
  readonly shape: readonly number[];
  /** Stored dtype; F16/BF16 round `data` to nearest even. */
  readonly dtype: FloatDtype;
  /** Row-major values, product(shape) of them. */
  readonly data: Float32Array;
}

/** Metadata HF requires: transformers refuses a safetensors file without a known `format`. */
export const DEFAULT_METADATA: Readonly<Record<string, string>> = { format: 'pt' };

/** Float32 elements encoded per write call, bounding the staging buffer for multi-GB tensors (32 MiB as F32). */
const ENCODE_CHUNK_ELEMENTS = 8 << 20;

export function storedByteLength(t: TensorToWrite): number {
  return t.data.length * dtypeByteSize(t.dtype);
}

/** Checks names, shapes, dtypes and element counts; errors name `file` and the tensor. */
export function validateTensors(tensors: readonly TensorToWrite[], file: string): void {
  const seen = new Set<string>();
  for (const t of tensors) {
    const fail = (msg: string): never => {
      throw new CheckpointError(file, msg, t.name);
    };
    if (typeof t.name !== 'string' || t.name === '' || t.name === '__metadata__') fail('invalid tensor name');
    if (seen.has(t.name)) fail('appears twice');
    seen.add(t.name);
    if (!isFloatDtype(t.dtype)) fail(`cannot write dtype ${JSON.stringify(t.dtype)} (supported: F32, F16, BF16)`);
    if (!t.shape.every((d) => Number.isSafeInteger(d) && d >= 0)) fail(`shape [${t.shape.join(', ')}] is not a list of non-negative integers`);
    if (!(t.data instanceof Float32Array)) fail('data must be a Float32Array');
    const n = shapeSize(t.shape);
    if (t.data.length !== n) fail(`shape [${t.shape.join(', ')}] has ${n} elements but data has ${t.data.length}`);
  }
}

/** The padded header bytes (without the length prefix) for tensors already in file order. */
export function encodeHeader(ordered: readonly TensorToWrite[], metadata: Readonly<Record<string, string>>): Uint8Array {
  // Assembled by hand: a JS object would move integer-like tensor names ahead of `__metadata__` and the rest.
  const parts = [`"__metadata__":${JSON.stringify(metadata)}`];
  let offset = 0;
  for (const t of ordered) {
    const end = offset + storedByteLength(t);
    parts.push(`${JSON.stringify(t.name)}:${JSON.stringify({ dtype: t.dtype, shape: t.shape, data_offsets: [offset, end] })}`);
    offset = end;
  }
  const json = new TextEncoder().encode(`{${parts.join(',')}}`);
  const padded = new Uint8Array(Math.ceil(json.length / 8) * 8).fill(0x20);
  padded.set(json);
  return padded;
}

function writeTensorData(fd: number, t: TensorToWrite, path: string): void {
  const width = dtypeByteSize(t.dtype);
  const stage = new Uint8Array(Math.min(ENCODE_CHUNK_ELEMENTS, t.data.length) * width);
  for (let start = 0; start < t.data.length; start += ENCODE_CHUNK_ELEMENTS) {
    const count = Math.min(ENCODE_CHUNK_ELEMENTS, t.data.length - start);
    const bytes = stage.subarray(0, count * width);
    const overflow = encodeInto(t.data, start, count, t.dtype, bytes);
    if (overflow >= 0) {
      throw new CheckpointError(
        path,
        `value ${t.data[overflow]} at element ${overflow} is beyond the range of ${t.dtype} and would be stored as Infinity; store the checkpoint as F32 (dft train --dtype float32)`,
        t.name,
      );
    }
    writeAll(fd, bytes);
  }
}

/**
 * Writes `tensors` to the safetensors file `path` (atomically). `metadata` defaults to `{"format":"pt"}`; a given
 * map gets `format: "pt"` added in front unless it names a format itself.
 */
export function writeSafetensors(path: string, tensors: readonly TensorToWrite[], metadata: Readonly<Record<string, string>> = {}): void {
  validateTensors(tensors, path);
  for (const [k, v] of Object.entries(metadata)) {
    if (typeof v !== 'string') throw new CheckpointError(path, `metadata "${k}" must be a string, got ${JSON.stringify(v)}`);
  }
  const ordered = [...tensors].sort((a, b) => compareNames(a.name, b.name));
  const header = encodeHeader(ordered, { ...DEFAULT_METADATA, ...metadata });
  const prefix = new Uint8Array(8);
  new DataView(prefix.buffer).setBigUint64(0, BigInt(header.length), true);
  writeFileAtomically(path, (fd) => {
    writeAll(fd, prefix);
    writeAll(fd, header);
    for (const t of ordered) writeTensorData(fd, t, path);
  });
}
