import type { JsonObject } from './record-rows.js';

/** A required non-empty string field. */
export function str(o: JsonObject, key: string, at: string): string {
  const v = o[key];
  if (typeof v !== 'string') throw new Error(`eval: ${at}: field "${key}" must be a string, got ${describe(v)}`);
  return v;
}

/** A required integer field (numbers, or strings of digits as some CSV-derived JSON files carry). */
export function int(o: JsonObject, key: string, at: string): number {
  const v = o[key];
  const n = typeof v === 'string' && /^-?\d+$/.test(v.trim()) ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isInteger(n)) {
    throw new Error(`eval: ${at}: field "${key}" must be an integer, got ${describe(v)}`);
  }
  return n;
}

export function obj(o: JsonObject, key: string, at: string): JsonObject {
  const v = o[key];
  if (!v || typeof v !== 'object' || Array.isArray(v)) {
    throw new Error(`eval: ${at}: field "${key}" must be an object, got ${describe(v)}`);
  }
  return v as JsonObject;
}

export function arr(o: JsonObject, key: string, at: string): unknown[] {
  const v = o[key];
  if (!Array.isArray(v)) throw new Error(`eval: ${at}: field "${key}" must be an array, got ${describe(v)}`);
  return v;
}

export function describe(v: unknown): string {
  if (v === undefined) return 'nothing (missing)';
  const s = JSON.stringify(v);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}
