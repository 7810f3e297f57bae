/** A Node.js system error (fs, net): `code` such as EROFS, and usually `syscall` and `path`. */
export interface SystemError extends Error {
  code: string;
  errno?: number;
  syscall?: string;
  path?: string;
  dest?: string;
}

/** Plain words for the errors a user can fix on their side (read-only disk, permissions, full disk, a file in the way). */
const CAUSES: Record<string, string> = {
  EROFS: 'the file system is read-only',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted (permissions, or an immutable file)',
  ENOTDIR: 'a part of the path is a file, not a folder',
  EISDIR: 'it is a folder, not a file',
  ENOSPC: 'no space left on the device',
  EDQUOT: 'the disk quota is exhausted',
  EEXIST: 'it already exists',
  ENOENT: 'no such file or folder',
  EMFILE: 'too many open files (raise the limit with ulimit -n)',
  ENAMETOOLONG: 'the file name is too long',
  EIO: 'an input/output error of the device',
};

/** What the system call was doing, in words. */
const ACTIONS: Record<string, string> = {
  mkdir: 'create folder',
  open: 'open',
  write: 'write',
  rename: 'move',
  unlink: 'remove',
  rmdir: 'remove',
  scandir: 'list folder',
  link: 'create',
  fsync: 'flush',
  stat: 'read',
  lstat: 'read',
  read: 'read',
  copyfile: 'copy',
};

export function isSystemError(e: unknown): e is SystemError {
  return e instanceof Error && typeof (e as SystemError).code === 'string' && /^E[A-Z0-9]+$/.test((e as SystemError).code);
}

/** The first system error in `e`'s `cause` chain (writers wrap them as "cannot write X (…)"). */
export function systemErrorIn(e: unknown): SystemError | null {
  for (let at: unknown = e, depth = 0; at instanceof Error && depth < 8; at = at.cause, depth++) {
    if (isSystemError(at)) return at;
  }
  return null;
}

/** "cannot create folder /x/y: the file system is read-only (EROFS)": the path and the cause in plain words. */
export function describeSystemError(e: SystemError, path = e.path): string {
  const cause = CAUSES[e.code];
  const action = (e.syscall && ACTIONS[e.syscall]) ?? 'use';
  const where = path ?? '(unknown path)';
  if (!cause) return `cannot ${action} ${where}: ${e.message}`;
  return `cannot ${action} ${where}: ${cause} (${e.code})`;
}

/**
 * The message to show for an error: a bare system error becomes plain words naming its path; an error that wraps
 * one keeps its own message (it names the file it was writing) with the cause in plain words appended.
 */
export function plainErrorMessage(e: unknown): string {
  if (!(e instanceof Error)) return String(e);
  const sys = systemErrorIn(e);
  if (!sys || !CAUSES[sys.code]) return e.message;
  if (sys === e) return describeSystemError(sys);
  if (e.message.includes(CAUSES[sys.code])) return e.message;
  return `${e.message}: ${CAUSES[sys.code]}`;
}
