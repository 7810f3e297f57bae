import { mkdirSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { makeDirectory, OutDirError } from './make-dir.js';
import { describeSystemError, plainErrorMessage, systemErrorIn, type SystemError } from './os-errors.js';

const dir = mkdtempSync(join(tmpdir(), 'dft-oserr-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = join(dir, 'a-file');
writeFileSync(file, 'x');

/** The error a real system call throws. */
function thrown(f: () => unknown): SystemError {
  try {
    f();
  } catch (e) {
    return e as SystemError;
  }
  throw new Error('expected a system error');
}

describe('OS errors in plain words', () => {
  it('maps real ENOTDIR, EEXIST, EISDIR and ENOENT errors to the path and the cause', () => {
    expect(plainErrorMessage(thrown(() => mkdirSync(join(file, 'sub'))))).toBe(`cannot create folder ${join(file, 'sub')}: a part of the path is a file, not a folder (ENOTDIR)`);
    expect(plainErrorMessage(thrown(() => openSync(file, 'wx')))).toBe(`cannot open ${file}: it already exists (EEXIST)`);
    expect(plainErrorMessage(thrown(() => openSync(dir, 'w')))).toBe(`cannot open ${dir}: it is a folder, not a file (EISDIR)`);
    expect(plainErrorMessage(thrown(() => rmSync(join(dir, 'missing'))))).toMatch(new RegExp(`^cannot \\w+ ${join(dir, 'missing')}: no such file or folder \\(ENOENT\\)$`));
  });

  it('keeps the message of an error that wraps a system error, adding the cause in plain words', () => {
    const cause = thrown(() => openSync(file, 'wx'));
    const wrapped = new Error(`cannot write ${file} (${cause.message})`, { cause });
    expect(systemErrorIn(wrapped)).toBe(cause);
    expect(plainErrorMessage(wrapped)).toBe(`${wrapped.message}: it already exists`);
    expect(plainErrorMessage(new Error('plain'))).toBe('plain');
  });

  it('names the errors only a read-only, full or forbidden disk raises (EROFS, ENOSPC, EACCES)', () => {
    // These codes cannot be provoked without privileges here; os-errors-cli.test.ts provokes them for real where it can.
    const fake = (code: string, syscall: string) => Object.assign(new Error(`${code}: x`), { code, syscall, path: '/out/x' }) as SystemError;
    expect(describeSystemError(fake('EROFS', 'mkdir'))).toBe('cannot create folder /out/x: the file system is read-only (EROFS)');
    expect(describeSystemError(fake('ENOSPC', 'write'))).toBe('cannot write /out/x: no space left on the device (ENOSPC)');
    expect(describeSystemError(fake('EACCES', 'open'))).toBe('cannot open /out/x: permission denied (EACCES)');
  });

  it('makeDirectory creates missing levels and names a file in the way', () => {
    const deep = join(dir, 'x', 'y', 'z');
    expect(makeDirectory(deep)).toBe(deep);
    expect(() => makeDirectory(join(file, 'out'))).toThrow(new OutDirError(`--out ${join(file, 'out')}: ${file} is a file, not a folder`));
    expect(() => makeDirectory(file)).toThrow(`--out ${file}: ${file} is a file, not a folder`);
  });
});
