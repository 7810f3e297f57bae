import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { pipeline, Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import type { SourceRecord } from './source-record.js';

const enum S {
  Start,
  AfterOpen,
  Value,
  AfterValue,
  BeforeValue,
  Done,
}

function isBlank(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09 || c === 0xfeff;
}

/**
 * A source file's text in UTF-8 chunks, gunzipped when its name ends in `.gz` (evaluation sets such as MKQA ship
 * gzipped JSON Lines). `onBytes` gets the bytes read from the file itself, so progress matches its size on disk.
 */
export async function* readTextChunks(file: string, onBytes?: (bytesRead: number) => void, highWaterMark = 1 << 16): AsyncGenerator<string> {
  const raw = createReadStream(file, { highWaterMark });
  const gzipped = /\.gz$/i.test(file);
  const text = gzipped ? pipeline(raw, createGunzip(), () => {}) : raw;
  text.setEncoding('utf8');
  try {
    for await (const chunk of text as AsyncIterable<string>) {
      onBytes?.(raw.bytesRead);
      yield chunk;
    }
  } catch (e) {
    // zlib's own message ("incorrect header check") does not say which file.
    if (gzipped && String((e as NodeJS.ErrnoException).code).startsWith('Z_')) throw new Error(`${file}: not a valid gzip file (${(e as Error).message})`);
    throw e;
  }
}

/**
 * Streams the elements of a top-level JSON array one at a time, so a file of any size is read with memory
 * bounded by its largest element. Each element goes to JSON.parse on its own; errors name the file, the line
 * the element starts on and its index.
 */
export async function* readJsonArray(file: string, onBytes?: (bytesRead: number) => void): AsyncGenerator<SourceRecord> {
  let state: S = S.Start as S;
  let line = 1;
  let index = 0;
  let startLine = 1;
  let parts: string[] = [];
  let depth = 0;
  let inString = false;
  let escaped = false;
  let scalar = false;

  const emit = (text: string): SourceRecord => {
    parts.push(text);
    const whole = parts.join('');
    parts = [];
    let value: unknown;
    try {
      value = JSON.parse(whole);
    } catch (e) {
      throw new Error(`${file}:${startLine}: record ${index} is not valid JSON (${(e as Error).message})`);
    }
    return { value, index: index++, file, where: `${file}:${startLine}`, text: whole };
  };
  const found = (ch: string) => (ch === undefined ? 'end of file' : JSON.stringify(ch));

  for await (const chunk of readTextChunks(file, onBytes)) {
    let from = 0;
    for (let i = 0; i < chunk.length; i++) {
      const c = chunk.charCodeAt(i);
      if (c === 0x0a) line++;
      if (state === S.Value) {
        if (inString) {
          if (escaped) escaped = false;
          else if (c === 0x5c) escaped = true;
          else if (c === 0x22) {
            inString = false;
            if (depth === 0) {
              state = S.AfterValue;
              yield emit(chunk.slice(from, i + 1));
            }
          }
        } else if (scalar) {
          if (c === 0x2c || c === 0x5d || isBlank(c)) {
            if (c === 0x0a) line--; // the character is examined again below
            state = S.AfterValue;
            yield emit(chunk.slice(from, i));
            i--;
          }
        } else if (c === 0x22) inString = true;
        else if (c === 0x7b || c === 0x5b) depth++;
        else if (c === 0x7d || c === 0x5d) {
          if (--depth === 0) {
            state = S.AfterValue;
            yield emit(chunk.slice(from, i + 1));
          }
        }
        continue;
      }
      if (isBlank(c)) continue;
      const ch = chunk[i]!;
      switch (state) {
        case S.Start:
          if (c !== 0x5b) throw new Error(`${file}:${line}: not a JSON array (expected '[' first, found ${found(ch)})`);
          state = S.AfterOpen;
          break;
        case S.AfterOpen:
        case S.BeforeValue:
          if (c === 0x5d) {
            if (state === S.BeforeValue) throw new Error(`${file}:${line}: trailing ',' before ']' after record ${index - 1}`);
            state = S.Done;
            break;
          }
          state = S.Value;
          startLine = line;
          from = i;
          depth = c === 0x7b || c === 0x5b ? 1 : 0;
          inString = c === 0x22;
          escaped = false;
          scalar = !inString && depth === 0;
          break;
        case S.AfterValue:
          if (c === 0x2c) state = S.BeforeValue;
          else if (c === 0x5d) state = S.Done;
          else throw new Error(`${file}:${line}: expected ',' or ']' after record ${index - 1}, found ${found(ch)}`);
          break;
        default:
          throw new Error(`${file}:${line}: unexpected ${found(ch)} after the closing ']' of the array`);
      }
    }
    if (state === S.Value) parts.push(chunk.slice(from));
  }
  if (state === S.Value && scalar) {
    state = S.AfterValue;
    yield emit('');
  }
  if (state === S.Start) throw new Error(`${file}: empty file (expected a JSON array)`);
  if (state !== S.Done)
    throw new Error(`${file}:${line}: unexpected end of file: the JSON array is not closed (last complete record ${index - 1})`);
}

/** Streams a JSON Lines file (`.gz` too); blank lines are skipped; errors name file and line. */
export async function* readJsonLines(file: string, onBytes?: (bytesRead: number) => void): AsyncGenerator<SourceRecord> {
  const input = Readable.from(readTextChunks(file, onBytes));
  const rl = createInterface({ input, crlfDelay: Infinity });
  let line = 0;
  let index = 0;
  try {
    for await (const text of rl) {
      line++;
      const t = line === 1 ? text.replace(/^\uFEFF/, '') : text;
      if (t.trim() === '') continue;
      let value: unknown;
      try {
        value = JSON.parse(t);
      } catch (e) {
        throw new Error(`${file}:${line}: not valid JSON (${(e as Error).message})`);
      }
      yield { value, index: index++, file, where: `${file}:${line}`, text: t };
    }
  } finally {
    // On an error or a reader that stops early, close the file too (readline leaves its input open).
    rl.close();
    input.destroy();
  }
}
