import { existsSync, readFileSync, statSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';

/** Errors unless `path` is an existing file: `what` (the set being read) and the path are named. */
export function checkFile(path: string, what: string): void {
  if (!existsSync(path)) throw new Error(`eval: ${what} file ${path} does not exist`);
  if (statSync(path).isDirectory()) throw new Error(`eval: ${what} path ${path} is a folder, expected a file`);
}

/**
 * Reads a UTF-8 text file (gunzipped when it ends in `.gz`), without a leading byte-order mark: the delimited
 * (TSV, CSV) and whole-document (SQuAD JSON) formats. Errors name the file and say what went wrong.
 */
export function readText(path: string, what: string): string {
  checkFile(path, what);
  let bytes: Buffer = readFileSync(path);
  if (path.endsWith('.gz')) {
    try {
      bytes = gunzipSync(bytes);
    } catch (e) {
      throw new Error(`eval: ${path} is not a valid gzip file: ${(e as Error).message}`);
    }
  }
  const text = bytes.toString('utf8');
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}
