/**
 * Bulk conversion between little-endian safetensors bytes and float32 arrays. The typed-array views used here
 * are in host byte order, so a big-endian host is refused rather than silently producing swapped values.
 */
import type { FloatDtype } from './dtypes.js';
import { f16BitsToF32Bits, f32BitsToBf16Bits, f32BitsToF16Bits } from './float-bits.js';

const HOST_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

export function assertLittleEndianHost(): void {
  if (!HOST_LITTLE_ENDIAN) {
    throw new Error('safetensors I/O needs a little-endian host; this machine is big-endian');
  }
}

let f16Table: Uint32Array | undefined;

/** f32 bit patterns of all 65536 f16 patterns (256 KiB), built on first use: one lookup per element. */
function f16ToF32Table(): Uint32Array {
  if (f16Table === undefined) {
    f16Table = new Uint32Array(65536);
    for (let h = 0; h < 65536; h++) f16Table[h] = f16BitsToF32Bits(h);
  }
  return f16Table;
}

/** `bytes` seen as elements of `width` bytes through `make`, copied first only when its offset is misaligned. */
function alignedView<T>(bytes: Uint8Array, width: number, make: (b: ArrayBufferLike, off: number, n: number) => T): T {
  if (bytes.byteOffset % width === 0) return make(bytes.buffer, bytes.byteOffset, bytes.byteLength / width);
  const copy = bytes.slice();
  return make(copy.buffer, 0, copy.byteLength / width);
}

/**
 * Decodes `bytes` (little-endian elements of `dtype`) into `out` starting at element `outOffset`. Exact for every
 * input: F32 is copied bit for bit, F16/BF16 widen exactly (NaN payloads kept).
 */
export function decodeInto(bytes: Uint8Array, dtype: FloatDtype, out: Float32Array, outOffset = 0): void {
  assertLittleEndianHost();
  const outBits = new Uint32Array(out.buffer, out.byteOffset, out.length);
  if (dtype === 'F32') {
    outBits.set(alignedView(bytes, 4, (b, o, n) => new Uint32Array(b, o, n)), outOffset);
    return;
  }
  const src = alignedView(bytes, 2, (b, o, n) => new Uint16Array(b, o, n));
  if (dtype === 'F16') {
    const table = f16ToF32Table();
    for (let i = 0; i < src.length; i++) outBits[outOffset + i] = table[src[i]!]!;
  } else {
    for (let i = 0; i < src.length; i++) outBits[outOffset + i] = src[i]! << 16;
  }
}

/** Decodes a whole little-endian tensor byte string of `dtype` into a new Float32Array. */
export function decodeTensor(bytes: Uint8Array, dtype: FloatDtype): Float32Array {
  const width = dtype === 'F32' ? 4 : 2;
  if (bytes.byteLength % width !== 0) {
    throw new Error(`${bytes.byteLength} bytes is not a whole number of ${dtype} elements`);
  }
  const out = new Float32Array(bytes.byteLength / width);
  decodeInto(bytes, dtype, out);
  return out;
}

/**
 * Encodes `count` elements of `data` from element `start` as little-endian `dtype` into `out` (which must hold
 * count × element size bytes). F32 is copied bit for bit; F16/BF16 round to nearest even. Returns the index (in
 * `data`) of the first finite value that overflowed to ±Inf in the narrower dtype, or -1: the caller decides
 * whether that is an error (a checkpoint writer must not turn finite weights into Inf silently).
 */
export function encodeInto(data: Float32Array, start: number, count: number, dtype: FloatDtype, out: Uint8Array): number {
  assertLittleEndianHost();
  const src = new Uint32Array(data.buffer, data.byteOffset + start * 4, count);
  if (dtype === 'F32') {
    out.set(new Uint8Array(src.buffer, src.byteOffset, count * 4));
    return -1;
  }
  const dst = alignedView(out, 2, (b, o, n) => new Uint16Array(b, o, n));
  const narrow = dtype === 'F16' ? f32BitsToF16Bits : f32BitsToBf16Bits;
  // The all-ones exponent with an empty mantissa is ±Inf in both 16-bit formats' own layouts.
  const inf = dtype === 'F16' ? 0x7c00 : 0x7f80;
  let overflow = -1;
  for (let i = 0; i < count; i++) {
    const bits = src[i]!;
    const h = narrow(bits);
    dst[i] = h;
    if (overflow < 0 && (h & 0x7fff) === inf && (bits & 0x7f800000) !== 0x7f800000) overflow = start + i;
  }
  if (dst.buffer !== out.buffer) out.set(new Uint8Array(dst.buffer, 0, count * 2));
  return overflow;
}

/** Encodes a whole Float32Array as little-endian `dtype` bytes. */
export function encodeTensor(data: Float32Array, dtype: FloatDtype): Uint8Array {
  const out = new Uint8Array(data.length * (dtype === 'F32' ? 4 : 2));
  encodeInto(data, 0, data.length, dtype, out);
  return out;
}
