import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BIN } from '../test-utils/cli-harness.js';
import { holderAlive, LOCK_FILE, lockOutDir, OutDirLockedError, processAlive, processStartTicks, type LockHolder } from './out-lock.js';
import { deadPid } from './test-pids.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'dft-lock-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const holderIn = (d: string) => JSON.parse(readFileSync(join(d, LOCK_FILE), 'utf8')) as LockHolder;

describe('output-folder lock', () => {
  it('records pid, host, start time and command, refuses a second holder naming the first, and frees the folder on release', () => {
    const before = Date.now();
    const lock = lockOutDir(dir, 'train');
    const h = holderIn(dir);
    expect([h.pid, h.host, h.command]).toEqual([process.pid, hostname(), 'train']);
    expect(Date.parse(h.startedAt)).toBeGreaterThanOrEqual(before - 1000);
    let refused: unknown;
    try {
      lockOutDir(dir, 'eval');
    } catch (e) {
      refused = e;
    }
    expect(refused).toBeInstanceOf(OutDirLockedError);
    expect((refused as Error).message).toBe(`${dir} is in use by dft train (pid ${process.pid} on ${hostname()}, started ${h.startedAt}): wait for it to finish or choose another --out`);
    expect(holderIn(dir).token).toBe(h.token); // the refused run left the lock alone
    lock.release();
    expect(existsSync(join(dir, LOCK_FILE))).toBe(false);
    lock.release(); // idempotent
    const again = lockOutDir(dir, 'prepare');
    expect(holderIn(dir).command).toBe('prepare');
    again.release();
  });

  it('takes over a lock left by a dead process of this host, saying so', () => {
    const dead: LockHolder = { pid: deadPid(), host: hostname(), startedAt: '2026-01-01T00:00:00.000Z', command: 'train', token: 'feedfacefeedface' };
    writeFileSync(join(dir, LOCK_FILE), JSON.stringify(dead));
    const said: string[] = [];
    const lock = lockOutDir(dir, 'train', (l) => said.push(l));
    expect(said).toEqual([`${dir}: taking over the lock left by dft train (pid ${dead.pid} on ${hostname()}, started 2026-01-01T00:00:00.000Z), which is no longer running`]);
    expect(holderIn(dir).pid).toBe(process.pid);
    lock.release();
  });

  it('recognises a lock whose pid now belongs to another process (pid reuse after a crash or reboot) as stale', () => {
    const mine = lockOutDir(dir, 'train');
    const h = holderIn(dir);
    expect(h.processStart).toBe(processStartTicks(process.pid));
    expect(h.boot).toMatch(/^[0-9a-f-]{36}$/);
    expect(holderAlive(h)).toBe(true);
    mine.release();
    // The same live pid, but a process that started at another time, or during another boot: not the lock's writer.
    for (const stale of [{ ...h, processStart: h.processStart! + 1 }, { ...h, boot: '00000000-0000-0000-0000-000000000000' }]) {
      expect(holderAlive(stale)).toBe(false);
      writeFileSync(join(dir, LOCK_FILE), JSON.stringify(stale));
      const said: string[] = [];
      const lock = lockOutDir(dir, 'eval', (l) => said.push(l));
      expect(said).toEqual([`${dir}: taking over the lock left by dft train (pid ${process.pid} on ${hostname()}, started ${h.startedAt}), which is no longer running`]);
      expect(holderIn(dir).command).toBe('eval');
      lock.release();
    }
  });

  it('refuses a lock from another host (its liveness cannot be checked) and an unreadable lock, naming them', () => {
    writeFileSync(join(dir, LOCK_FILE), JSON.stringify({ pid: 1, host: 'elsewhere', startedAt: 'T', command: 'eval', token: 'x' }));
    expect(() => lockOutDir(dir, 'train')).toThrow(`${dir} is in use by dft eval (pid 1 on elsewhere, started T); it runs on another machine`);
    writeFileSync(join(dir, LOCK_FILE), '{"pid": 12');
    expect(() => lockOutDir(dir, 'train')).toThrow(`${dir} is locked by ${join(dir, LOCK_FILE)}, which cannot be read: if no dft run is using the folder, delete that file`);
  });

  it('a process ended by SIGTERM while holding the lock removes it, and still dies by the signal', async () => {
    const module = join(BIN, '..', 'out-dir', 'out-lock.js');
    const child = spawn(process.execPath, ['--input-type=module', '-e', `import { lockOutDir } from ${JSON.stringify(module)}; lockOutDir(${JSON.stringify(dir)}, 'eval'); console.log('locked'); setInterval(() => {}, 1000);`], { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((ok) => child.stdout.once('data', () => ok()));
    expect(holderIn(dir).pid).toBe(child.pid);
    expect(processAlive(child.pid!)).toBe(true);
    child.kill('SIGTERM');
    const [code, signal] = await new Promise<[number | null, string | null]>((ok) => child.once('exit', (c, s) => ok([c, s])));
    expect([code, signal]).toEqual([null, 'SIGTERM']);
    expect(existsSync(join(dir, LOCK_FILE))).toBe(false);
  });
});
