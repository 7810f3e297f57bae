import type { RecordBatch } from 'apache-arrow';

/**
 * Converts a value read from an Arrow vector into plain JSON-like JS: struct rows become objects, lists become
 * arrays, 64-bit integers become numbers (instruction data has no integers beyond 2^53; larger ones throw).
 */
export function toPlain(v: unknown, where: string): unknown {
  if (v === null || v === undefined) return null;
  if (typeof v === 'bigint') {
    if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < BigInt(Number.MIN_SAFE_INTEGER))
      throw new Error(`${where}: integer ${v} does not fit a JS number`);
    return Number(v);
  }
  if (typeof v !== 'object') return v;
  if (v instanceof Uint8Array) return v;
  if (ArrayBuffer.isView(v)) return Array.from(v as unknown as ArrayLike<number>, (x) => toPlain(x, where));
  if (Array.isArray(v)) return v.map((x) => toPlain(x, where));
  // Arrow list cells (Vector) and struct/map rows all have toJSON: an array or a plain record of fields.
  const o = v as { toJSON?: () => unknown };
  if (typeof o.toJSON === 'function') {
    const j = o.toJSON();
    if (Array.isArray(j)) return j.map((x) => toPlain(x, where));
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(j as Record<string, unknown>)) out[k] = toPlain(x, where);
    return out;
  }
  return v;
}

/** Rows of a record batch as plain objects, one column lookup per row and field. */
export function* batchRows(batch: RecordBatch, where: (row: number) => string): Generator<Record<string, unknown>> {
  const cols = batch.schema.fields.map((f) => [f.name, batch.getChild(f.name)!] as const);
  for (let r = 0; r < batch.numRows; r++) {
    const row: Record<string, unknown> = {};
    for (const [name, col] of cols) row[name] = toPlain(col.get(r), where(r));
    yield row;
  }
}
