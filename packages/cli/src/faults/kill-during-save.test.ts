import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { listCheckpoints } from '@dft/core';
import { BIN, stepDirs } from '../test-utils/cli-harness.js';
import { killSpawned, spawnDft } from '../test-utils/spawn-dft.js';
import { expectResumesExactly, faultFixture, trainArgs, type FaultFixture } from './fault-run.js';

/**
 * Fault: `kill -9` at random moments of a run that writes a checkpoint after every step (so most kills land in a
 * checkpoint write). Each time, only complete checkpoints count (`step-N/` with its trainer state; a write in
 * progress is a `step-N.tmp-*` folder), the newest loads, and resuming it gives the uninterrupted run's losses.
 */

const TRIES = 4;
let f: FaultFixture;
beforeAll(async () => {
  f = await faultFixture('kill9');
}, 600_000);
afterAll(() => f?.tmp.remove());
afterEach(killSpawned);

describe.skipIf(!existsSync(BIN))('fault: kill -9 during checkpoint writes', () => {
  it(`${TRIES} random kill times: the newest complete checkpoint resumes to the uninterrupted losses`, async () => {
    // A seeded linear congruential generator: random kill times, the same ones on every run of the test.
    let seed = 13;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const resumedFrom: number[] = [];
    for (let i = 0; i < TRIES; i++) {
      const out = join(f.tmp.dir, `kill-${i}`);
      const run = spawnDft(trainArgs(f.data, out, '--max-steps', '1000'));
      // Wait for the first step (model loaded, training under way), then kill after up to ~2 steps' time.
      const t0 = performance.now();
      await run.waitFor(/"event":"step","step":1,/);
      const stepMs = performance.now() - t0;
      await new Promise((r) => setTimeout(r, random() * Math.min(3000, stepMs)));
      run.child.kill('SIGKILL');
      await run.exited;
      expect(run.child.signalCode).toBe('SIGKILL');
      // Whatever the kill interrupted, a step folder is complete: listCheckpoints and the folder names agree.
      expect(listCheckpoints(out).map((d) => d.slice(out.length + 1))).toEqual(stepDirs(out));
      resumedFrom.push(await expectResumesExactly(f, out));
    }
    expect(resumedFrom.length).toBe(TRIES);
  }, 600_000);
});
