import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listCheckpoints } from '@dft/core';
import { dft, stepDirs } from '../test-utils/cli-harness.js';
import { expectResumesExactly, faultFixture, leftovers, trainArgs, type FaultFixture } from './fault-run.js';

/**
 * Fault: the disk fills up during a checkpoint write (`--out` on a small tmpfs that holds one checkpoint and a
 * half). The run stops with exit 1 and a message naming the cause; the checkpoint before stays valid and resumes
 * exactly; the partial write is removed. Mounting needs root (CI runs as root); elsewhere the test is skipped.
 */

function tryMount(dir: string, bytes: number): string | null {
  if (process.getuid?.() !== 0) return 'not root';
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${bytes}`, 'tmpfs', dir], { stdio: 'pipe' });
    return null;
  } catch (e) {
    return `mount -t tmpfs failed (${(e as Error).message.split('\n')[0]})`;
  }
}

function du(dir: string): number {
  return readdirSync(dir).reduce((s, n) => s + statSync(join(dir, n)).size, 0);
}

let f: FaultFixture;
let disk: string;
let skipped: string | null = 'not set up';
beforeAll(async () => {
  f = await faultFixture('disk-full');
  disk = join(f.tmp.dir, 'small-disk');
  mkdirSync(disk);
  // Room for one checkpoint and a half (the run's other files are a few kB).
  const checkpoint = du(join(f.tmp.dir, 'uninterrupted', 'step-000004'));
  skipped = tryMount(disk, Math.floor(checkpoint * 1.5));
  if (skipped) console.warn(`fault: disk full skipped: ${skipped} (run as root with mount permitted to include it)`);
}, 600_000);
afterAll(() => {
  if (!skipped) execFileSync('umount', [disk]);
  f?.tmp.remove();
});

describe('fault: disk full', () => {
  it('a full disk during the second checkpoint: exit 1 naming the cause, step 1 stays valid and resumes exactly, no partial output', async (ctx) => {
    if (skipped) ctx.skip();
    const out = join(disk, 'run');
    const r = await dft(...trainArgs(f.data, out, '--keep-last', '2'));
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/no space left on the device/);
    expect(r.err).toContain(out);
    expect(stepDirs(out)).toEqual(['step-000001']);
    expect(listCheckpoints(out)).toEqual([join(out, 'step-000001')]);
    // The interrupted write left nothing behind.
    expect(leftovers(out)).toEqual([]);
    // Resumed elsewhere (the small disk is still full), it ends with the uninterrupted losses.
    const elsewhere = join(f.tmp.dir, 'resumed');
    expect(await expectResumesExactly(f, out, elsewhere)).toBe(1);
  }, 600_000);
});
