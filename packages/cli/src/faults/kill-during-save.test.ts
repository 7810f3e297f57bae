import { existsSync, watch } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { listCheckpoints } from '@dft/core';
import { BIN, stepDirs } from '../test-utils/cli-harness.js';
import { killSpawned, spawnDft } from '../test-utils/spawn-dft.js';
import { expectResumesExactly, faultFixture, leftovers, trainArgs, type FaultFixture } from './fault-run.js';

/**
 * Fault: `kill -9` of a run that writes a checkpoint after every step, at random moments and at moments chosen to
 * fall inside a checkpoint write (as soon as its temporary folder appears). Each time, only complete checkpoints
 * count (`step-N/` with its trainer state; a write in progress is a `step-N.tmp-*` folder), the newest loads,
 * resuming it gives the uninterrupted run's losses, and the dead run's temporary folder is gone afterwards.
 */

const RANDOM_TRIES = 3;
const WRITE_TRIES = 3;
let f: FaultFixture;
beforeAll(async () => {
  f = await faultFixture('kill9');
}, 600_000);
afterAll(() => f?.tmp.remove());
afterEach(killSpawned);

const partialWrites = (out: string) => leftovers(out).filter((n) => /^step-\d{6}\.tmp-/.test(n));

/** Starts the recipe into `out`, waits for step 1 and returns the run; `kill` then decides when SIGKILL lands. */
async function startRun(out: string) {
  const run = spawnDft(trainArgs(f.data, out, '--max-steps', '1000'));
  const t0 = performance.now();
  await run.waitFor(/"event":"step","step":1,/);
  return { run, stepMs: performance.now() - t0 };
}

/** After the kill: the folder names and listCheckpoints agree (a step folder is complete), then resume exactly. */
async function expectRecovers(out: string): Promise<number> {
  expect(listCheckpoints(out).map((d) => d.slice(out.length + 1))).toEqual(stepDirs(out));
  return expectResumesExactly(f, out);
}

describe.skipIf(!existsSync(BIN))('fault: kill -9 during checkpoint writes', () => {
  it(`${RANDOM_TRIES} random kill times: the newest complete checkpoint resumes to the uninterrupted losses`, async () => {
    // A seeded linear congruential generator: random kill times, the same ones on every run of the test.
    let seed = 13;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (let i = 0; i < RANDOM_TRIES; i++) {
      const out = join(f.tmp.dir, `kill-${i}`);
      const { run, stepMs } = await startRun(out);
      await new Promise((r) => setTimeout(r, random() * Math.min(3000, stepMs)));
      run.child.kill('SIGKILL');
      await run.exited;
      expect(run.child.signalCode).toBe('SIGKILL');
      await expectRecovers(out);
    }
  }, 600_000);

  it(`${WRITE_TRIES} kills inside a checkpoint write: the partial folder is never taken as a checkpoint, and is removed`, async () => {
    let landedInWrite = 0;
    for (let i = 0; i < WRITE_TRIES; i++) {
      const out = join(f.tmp.dir, `kill-write-${i}`);
      const { run } = await startRun(out);
      // Kill the moment a checkpoint after the first one starts (its temporary folder appears), so that a complete
      // checkpoint exists and the kill falls inside the next one's write (these take hundreds of milliseconds).
      await new Promise<void>((resolve) => {
        const watcher = watch(out, (_event, name) => {
          const tmpOf = name ? /^step-(\d{6})\.tmp-/.exec(String(name)) : null;
          if (tmpOf && Number(tmpOf[1]) >= 2 && existsSync(join(out, String(name)))) {
            run.child.kill('SIGKILL');
            watcher.close();
            resolve();
          }
        });
      });
      await run.exited;
      expect(run.child.signalCode).toBe('SIGKILL');
      // The kill landed mid-write when the temporary folder outlived the process.
      if (partialWrites(out).length > 0) landedInWrite++;
      const from = await expectRecovers(out);
      expect(from).toBeGreaterThanOrEqual(1);
      expect(partialWrites(out)).toEqual([]);
    }
    // A kill sent when the folder appears lands inside the write (if none did, this test would not test what it says).
    expect(landedInWrite).toBeGreaterThanOrEqual(1);
  }, 600_000);
});
