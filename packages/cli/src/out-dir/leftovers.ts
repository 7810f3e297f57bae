import { existsSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { processAlive } from './out-lock.js';

/**
 * Names of the temporary entries dft's atomic writers leave when their process dies mid-write:
 * `<name>.tmp-<pid>-<hex>` (a folder being filled, e.g. a checkpoint `step-000004.tmp-123-0a1b2c3d`),
 * `<name>.old-<pid>-<hex>` (the previous folder moved aside while the new one is put in place), and
 * `.<name>.<pid>.<hex>.tmp` (a file being written, e.g. `.train.arrow.123.0a1b2c3d.tmp`).
 */
const TEMP_FOLDER = /^(.+)\.(tmp|old)-(\d+)-[0-9a-f]{8}$/;
const TEMP_FILE = /^\.(.+)\.(\d+)\.[0-9a-f]{8}\.tmp$/;

export interface Leftover {
  name: string;
  pid: number;
  action: 'removed' | 'restored' | 'kept';
}

/**
 * Cleans the temporary entries of dead processes directly under `dir`. Call it while holding the folder's lock
 * (out-lock.ts): then no other dft run writes there, and an entry whose pid is not a live process can only be the
 * remains of a crash. An entry whose pid is alive is kept (a worker orphaned by a killed run may still be writing
 * it). A folder moved aside (`.old-`) whose replacement never arrived is moved back instead of deleted, so a crash
 * between the two renames of a directory replacement loses nothing.
 */
export function cleanLeftovers(dir: string, say: (line: string) => void = () => {}): Leftover[] {
  if (!existsSync(dir)) return [];
  const done: Leftover[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const folder = entry.isDirectory() ? TEMP_FOLDER.exec(entry.name) : null;
    const file = entry.isFile() ? TEMP_FILE.exec(entry.name) : null;
    if (!folder && !file) continue;
    const pid = Number(folder ? folder[3] : file![2]);
    const path = join(dir, entry.name);
    if (processAlive(pid)) {
      done.push({ name: entry.name, pid, action: 'kept' });
      say(`kept ${path}: its process ${pid} is still running`);
      continue;
    }
    if (folder?.[2] === 'old' && !existsSync(join(dir, folder[1]))) {
      renameSync(path, join(dir, folder[1]));
      done.push({ name: entry.name, pid, action: 'restored' });
      say(`restored ${join(dir, folder[1])} from ${entry.name}, left by process ${pid} which died while replacing it`);
      continue;
    }
    rmSync(path, { recursive: true, force: true });
    done.push({ name: entry.name, pid, action: 'removed' });
    say(`removed ${path}, left by process ${pid} which is no longer running`);
  }
  return done;
}
