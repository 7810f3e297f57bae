import { existsSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { processAlive, processStartMs } from './out-lock.js';

/**
 * Names of the temporary entries dft's atomic writers leave when their process dies mid-write:
 * `<name>.tmp-<pid>-<hex>` (a folder being filled, e.g. a checkpoint `step-000004.tmp-123-0a1b2c3d`),
 * `<name>.old-<pid>-<hex>` (the previous folder moved aside while the new one is put in place), and
 * `.<name>.<pid>.<hex>.tmp` (a file being written, e.g. `.train.arrow.123.0a1b2c3d.tmp`).
 */
const TEMP_FOLDER = /^(.+)\.(tmp|old)-(\d+)-[0-9a-f]{8}$/;
const TEMP_FILE = /^\.(.+)\.(\d+)\.[0-9a-f]{8}\.tmp$/;

/**
 * Whether process `pid` may be the writer of an entry last modified at `mtimeMs`: it is alive and had started by
 * then. A live process that started later reused the pid of a dead writer. Where the start time cannot be read, a
 * live pid counts as the writer (keeping an entry is the safe side).
 */
function mayBeWriter(pid: number, mtimeMs: number): boolean {
  if (!processAlive(pid)) return false;
  const started = processStartMs(pid);
  // 1 s of slack: the start time has a resolution of 10 ms, and file systems round modification times.
  return started === undefined || started <= mtimeMs + 1000;
}

export interface Leftover {
  name: string;
  pid: number;
  action: 'removed' | 'restored' | 'kept';
}

/**
 * Cleans the temporary entries of dead processes directly under `dir`. Call it while holding the folder's lock
 * (out-lock.ts): then no other dft run writes there, and an entry whose writer is not alive can only be the
 * remains of a crash. An entry whose writer may still be alive is kept (a worker orphaned by a killed run may still
 * be writing it); a live pid that started after the entry's last change belongs to a later process. A folder moved aside (`.old-`) whose replacement never arrived is moved back instead of deleted, so a crash
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
    if (mayBeWriter(pid, statSync(path).mtimeMs)) {
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
    const gone = processAlive(pid) ? `which has ended (pid ${pid} now belongs to a later process)` : 'which is no longer running';
    say(`removed ${path}, left by process ${pid} ${gone}`);
  }
  return done;
}
