import { join } from 'node:path';
import { cleanLeftovers } from './leftovers.js';
import { makeDirectory } from './make-dir.js';
import { lockOutDir, type OutDirLock } from './out-lock.js';

/**
 * What `train`, `prepare` and `eval` do before writing into their output folder: create it (reporting an
 * unusable path in plain words), take its lock (one run per folder; this also proves the folder writable before
 * any work), and clean the temporary entries that dead runs left in it and in `subfolders`.
 */
export function claimOutDir(dir: string, command: string, say: (line: string) => void, subfolders: string[] = []): OutDirLock {
  const path = makeDirectory(dir);
  const lock = lockOutDir(path, command, say);
  try {
    for (const folder of [path, ...subfolders.map((s) => join(path, s))]) cleanLeftovers(folder, say);
  } catch (e) {
    lock.release();
    throw e;
  }
  return lock;
}
