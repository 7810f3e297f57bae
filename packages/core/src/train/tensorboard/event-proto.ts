/**
 * The few parts of TensorFlow's `Event` and `Summary` protocol buffers that scalar logging needs, encoded by hand:
 *   Event   { double wall_time = 1; int64 step = 2; string file_version = 3; Summary summary = 5; }
 *   Summary { repeated Value value = 1; }   Value { string tag = 1; float simple_value = 2; }
 */
export interface TfEvent {
  /** Seconds since the Unix epoch. */
  wallTime: number;
  step: number;
  fileVersion?: string;
  /** Scalar summaries, tag → value. */
  scalars?: Record<string, number>;
}

const WIRE_VARINT = 0;
const WIRE_64 = 1;
const WIRE_BYTES = 2;
const WIRE_32 = 5;

class ProtoWriter {
  private parts: number[] = [];

  varint(v: number): this {
    if (!Number.isSafeInteger(v) || v < 0) throw new Error(`protobuf: cannot encode ${v} as an unsigned varint`);
    while (v >= 0x80) {
      this.parts.push((v % 0x80) | 0x80);
      v = Math.floor(v / 0x80);
    }
    this.parts.push(v);
    return this;
  }

  key(field: number, wire: number): this {
    return this.varint(field * 8 + wire);
  }

  bytes(field: number, data: Uint8Array): this {
    this.key(field, WIRE_BYTES).varint(data.length);
    for (const b of data) this.parts.push(b);
    return this;
  }

  /** A little-endian float64 (wire type 1) or float32 (wire type 5). */
  fixed(field: number, v: number, bits: 32 | 64): this {
    const b = new DataView(new ArrayBuffer(bits / 8));
    if (bits === 64) b.setFloat64(0, v, true);
    else b.setFloat32(0, v, true);
    this.key(field, bits === 64 ? WIRE_64 : WIRE_32);
    for (const x of new Uint8Array(b.buffer)) this.parts.push(x);
    return this;
  }

  finish(): Uint8Array {
    return Uint8Array.from(this.parts);
  }
}

const utf8 = new TextEncoder();
const fromUtf8 = new TextDecoder();

export function encodeEvent(e: TfEvent): Uint8Array {
  const w = new ProtoWriter().fixed(1, e.wallTime, 64);
  // proto3 leaves out fields at their default, as TensorFlow's writer does for step 0.
  if (e.step !== 0) w.key(2, WIRE_VARINT).varint(e.step);
  if (e.fileVersion !== undefined) w.bytes(3, utf8.encode(e.fileVersion));
  if (e.scalars) {
    const summary = new ProtoWriter();
    for (const [tag, value] of Object.entries(e.scalars)) summary.bytes(1, new ProtoWriter().bytes(1, utf8.encode(tag)).fixed(2, value, 32).finish());
    w.bytes(5, summary.finish());
  }
  return w.finish();
}

interface Field {
  field: number;
  wire: number;
  /** Varint value, or the raw bytes of fixed-width and length-delimited fields. */
  value: number | Uint8Array;
}

/** The fields of one protobuf message in order; unknown wire types are an error naming the offset. */
function fields(bytes: Uint8Array, what: string): Field[] {
  const out: Field[] = [];
  let at = 0;
  const varint = (): number => {
    let v = 0;
    let scale = 1;
    for (;;) {
      if (at >= bytes.length) throw new Error(`${what}: truncated varint`);
      const b = bytes[at++]!;
      v += (b & 0x7f) * scale;
      scale *= 0x80;
      if (b < 0x80) return v;
    }
  };
  const take = (n: number): Uint8Array => {
    if (at + n > bytes.length) throw new Error(`${what}: truncated field at byte ${at}`);
    const b = bytes.subarray(at, at + n);
    at += n;
    return b;
  };
  while (at < bytes.length) {
    const key = varint();
    const field = Math.floor(key / 8);
    const wire = key % 8;
    if (wire === WIRE_VARINT) out.push({ field, wire, value: varint() });
    else if (wire === WIRE_64) out.push({ field, wire, value: take(8) });
    else if (wire === WIRE_BYTES) out.push({ field, wire, value: take(varint()) });
    else if (wire === WIRE_32) out.push({ field, wire, value: take(4) });
    else throw new Error(`${what}: unsupported wire type ${wire} of field ${field}`);
  }
  return out;
}

const view = (b: Uint8Array) => new DataView(b.buffer, b.byteOffset, b.byteLength);

/** Decodes an Event written by `encodeEvent` (or TensorFlow), keeping the fields `TfEvent` names. */
export function decodeEvent(bytes: Uint8Array): TfEvent {
  const e: TfEvent = { wallTime: 0, step: 0 };
  for (const f of fields(bytes, 'Event')) {
    if (f.field === 1 && f.wire === WIRE_64) e.wallTime = view(f.value as Uint8Array).getFloat64(0, true);
    else if (f.field === 2 && f.wire === WIRE_VARINT) e.step = f.value as number;
    else if (f.field === 3 && f.wire === WIRE_BYTES) e.fileVersion = fromUtf8.decode(f.value as Uint8Array);
    else if (f.field === 5 && f.wire === WIRE_BYTES) {
      e.scalars ??= {};
      for (const v of fields(f.value as Uint8Array, 'Summary')) {
        if (v.field !== 1 || v.wire !== WIRE_BYTES) continue;
        let tag = '';
        let value: number | undefined;
        for (const x of fields(v.value as Uint8Array, 'Summary.Value')) {
          if (x.field === 1 && x.wire === WIRE_BYTES) tag = fromUtf8.decode(x.value as Uint8Array);
          else if (x.field === 2 && x.wire === WIRE_32) value = view(x.value as Uint8Array).getFloat32(0, true);
        }
        if (value !== undefined) e.scalars[tag] = value;
      }
    }
  }
  return e;
}
