import { mkdirSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { describeSystemError, isSystemError } from './os-errors.js';

/** A folder the user named cannot be used; the message names the path and the cause in plain words. */
export class OutDirError extends Error {}

/**
 * Creates `dir` and its missing parents one at a time. Node's recursive mkdir reports a read-only or unwritable
 * parent as ENOENT on the deepest path; creating each level separately surfaces the real cause (EROFS, EACCES,
 * ENOTDIR) on the level that failed, and an existing file in the way is named as such.
 */
export function makeDirectory(dir: string, flag = '--out'): string {
  const target = resolve(dir);
  const missing: string[] = [];
  let at = target;
  for (;;) {
    let isDir: boolean | null = null;
    try {
      isDir = statSync(at).isDirectory();
    } catch (e) {
      if (!isSystemError(e) || (e.code !== 'ENOENT' && e.code !== 'ENOTDIR')) throw new OutDirError(`${flag} ${dir}: ${describeSystemError(e as never, at)}`);
    }
    if (isDir === true) break;
    if (isDir === false) throw new OutDirError(`${flag} ${dir}: ${at} is a file, not a folder`);
    missing.unshift(at);
    const up = dirname(at);
    if (up === at) break;
    at = up;
  }
  for (const level of missing) {
    try {
      mkdirSync(level);
    } catch (e) {
      if (isSystemError(e) && e.code === 'EEXIST' && statSync(level).isDirectory()) continue; // made meanwhile by another process
      if (isSystemError(e)) throw new OutDirError(`${flag} ${dir}: ${describeSystemError(e, level)}`);
      throw e;
    }
  }
  return target;
}
