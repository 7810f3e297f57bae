import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, linkSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { describeSystemError, isSystemError } from './os-errors.js';
import { OutDirError } from './make-dir.js';

/** The lock file every `dft train/prepare/eval` holds in its output folder while it runs. */
export const LOCK_FILE = '.dft-lock';

/** What the lock file records about the run holding it. */
export interface LockHolder {
  pid: number;
  host: string;
  /** ISO time the run started. */
  startedAt: string;
  command: string;
  /** Distinguishes two locks of one process (in-process callers such as tests). */
  token: string;
  /**
   * Linux: the kernel's boot id and the process's start time in clock ticks since boot (field 22 of
   * /proc/<pid>/stat). Together with the pid they name one process for good, so a lock whose pid was reused by an
   * unrelated process after a crash or a reboot is still recognised as stale. Absent where /proc is not available.
   */
  boot?: string;
  processStart?: number;
}

/** Another live run holds the folder (or one on another host, whose liveness cannot be checked from here). */
export class OutDirLockedError extends OutDirError {
  constructor(
    readonly dir: string,
    readonly holder: LockHolder | null,
    why: string,
  ) {
    super(why);
  }
}

/** Whether a process with this pid exists on this host (EPERM: it exists but belongs to another user). */
export function processAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** This machine's boot id (Linux), or undefined. */
function bootId(): string | undefined {
  try {
    return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  } catch {
    return undefined;
  }
}

/** When process `pid` started, in clock ticks since boot (Linux), or undefined. */
export function processStartTicks(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) is parenthesised and may contain spaces: fields after it start at the last ')'.
    const start = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]);
    return Number.isFinite(start) ? start : undefined;
  } catch {
    return undefined;
  }
}

/**
 * When process `pid` started, in ms since the epoch (Linux: its start in clock ticks after boot, and the boot time
 * from /proc/stat; the kernel reports ticks at USER_HZ = 100 on every architecture).
 */
export function processStartMs(pid: number): number | undefined {
  const ticks = processStartTicks(pid);
  if (ticks === undefined) return undefined;
  try {
    const btime = Number(/^btime (\d+)$/m.exec(readFileSync('/proc/stat', 'utf8'))?.[1]);
    return Number.isFinite(btime) ? btime * 1000 + ticks * 10 : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Whether the run that wrote lock `h` (on this host) still runs: its pid is alive and, where the lock recorded the
 * boot and the start time, the process with that pid is the same one (not a later process that reused the pid).
 */
export function holderAlive(h: LockHolder): boolean {
  if (!processAlive(h.pid)) return false;
  if (h.boot === undefined || h.processStart === undefined) return true;
  return h.boot === bootId() && processStartTicks(h.pid) === h.processStart;
}

function readHolder(file: string): LockHolder | null {
  try {
    const h = JSON.parse(readFileSync(file, 'utf8')) as LockHolder;
    return Number.isInteger(h.pid) && typeof h.host === 'string' ? h : null;
  } catch {
    return null;
  }
}

function describeHolder(h: LockHolder): string {
  return `dft ${h.command} (pid ${h.pid} on ${h.host}, started ${h.startedAt})`;
}

const sameHolder = (a: LockHolder | null, b: LockHolder | null) => a !== null && b !== null && a.pid === b.pid && a.host === b.host && a.token === b.token;

/**
 * Publishes `holder` as the lock file in one step: it is written to a temporary sibling and hard-linked to the
 * lock's name, which fails with EEXIST if a lock exists, so a reader never sees a half-written lock and of two
 * racing runs exactly one wins. Returns false when a lock exists.
 */
function publish(dir: string, holder: LockHolder): boolean {
  const lock = join(dir, LOCK_FILE);
  const tmp = join(dir, `.${LOCK_FILE}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    const fd = openSync(tmp, 'wx');
    try {
      writeSync(fd, JSON.stringify(holder) + '\n');
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    linkSync(tmp, lock);
    return true;
  } catch (e) {
    if (isSystemError(e) && e.code === 'EEXIST' && e.syscall === 'link') return false;
    if (isSystemError(e)) throw new OutDirError(`--out ${dir}: ${describeSystemError(e, e.syscall === 'link' ? lock : tmp)}`);
    throw e;
  } finally {
    rmSync(tmp, { force: true });
  }
}

/**
 * Removes a lock left by `stale` (a dead process of this host). The lock is first renamed to a name of this
 * process, which only one of several runs taking it over at once manages; if what it moved is not the stale lock
 * (another run took over first and published its own), that lock is linked back and the takeover is lost.
 */
function removeStale(dir: string, stale: LockHolder): boolean {
  const lock = join(dir, LOCK_FILE);
  // Named like a temporary file, so a crash right here leaves something leftovers.ts removes.
  const moved = join(dir, `.${LOCK_FILE}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    renameSync(lock, moved);
  } catch (e) {
    if (isSystemError(e) && e.code === 'ENOENT') return true; // already gone: publish again
    throw e;
  }
  const got = readHolder(moved);
  if (!sameHolder(got, stale)) {
    try {
      linkSync(moved, lock);
    } catch {
      // The folder has a newer lock again; the moved one's owner keeps running without its file, which the
      // next run will see as a free folder. Nothing better can be done without a lock on the lock.
    }
    rmSync(moved, { force: true });
    return false;
  }
  rmSync(moved, { force: true });
  return true;
}

export interface OutDirLock {
  readonly dir: string;
  readonly holder: LockHolder;
  /** Removes the lock file if it is still this run's (idempotent). */
  release(): void;
}

const SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/**
 * Takes the exclusive lock on the output folder `dir` (which must exist) for `command`. A lock of a live
 * process is refused naming it; a lock of a dead process on this host is taken over (reported through `say`);
 * a lock from another host is refused (its liveness cannot be checked from here). The lock is released by
 * `release()`, and also when the process exits or is ended by SIGINT/SIGTERM/SIGHUP while nothing else handles
 * the signal (a training run handles them itself: it saves and then returns through `release()`).
 */
export function lockOutDir(dir: string, command: string, say: (line: string) => void = () => {}): OutDirLock {
  const lock = join(dir, LOCK_FILE);
  const holder: LockHolder = { pid: process.pid, host: hostname(), startedAt: new Date().toISOString(), command, token: randomBytes(8).toString('hex'), boot: bootId(), processStart: processStartTicks(process.pid) };
  for (let attempt = 0; ; attempt++) {
    if (publish(dir, holder)) break;
    const other = readHolder(lock);
    if (other === null) {
      throw new OutDirLockedError(dir, null, `${dir} is locked by ${lock}, which cannot be read: if no dft run is using the folder, delete that file`);
    }
    if (other.host !== holder.host) {
      throw new OutDirLockedError(dir, other, `${dir} is in use by ${describeHolder(other)}; it runs on another machine, so whether it is alive cannot be checked from here: wait for it, choose another --out, or delete ${lock} if it is dead`);
    }
    if (holderAlive(other)) {
      throw new OutDirLockedError(dir, other, `${dir} is in use by ${describeHolder(other)}: wait for it to finish or choose another --out`);
    }
    if (attempt >= 3) throw new OutDirLockedError(dir, other, `${dir}: could not take over the lock of ${describeHolder(other)} (other runs are taking it over at the same time)`);
    if (removeStale(dir, other)) say(`${dir}: taking over the lock left by ${describeHolder(other)}, which is no longer running`);
  }
  let released = false;
  const release = () => {
    if (released) return;
    released = true;
    process.off('exit', release);
    for (const s of SIGNALS) process.off(s, onSignal);
    if (sameHolder(readHolder(lock), holder)) rmSync(lock, { force: true });
  };
  // Only when this is the signal's sole listener: then the signal would end the process, so release and re-raise it.
  const onSignal = (signal: NodeJS.Signals) => {
    if (process.listenerCount(signal) > 1) return;
    release();
    process.kill(process.pid, signal);
  };
  process.on('exit', release);
  for (const s of SIGNALS) process.on(s, onSignal);
  return { dir, holder, release };
}
