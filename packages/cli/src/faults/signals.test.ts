import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { LogRow } from '@dft/core';
import { BIN, readJson, readJsonLines, stepDirs } from '../test-utils/cli-harness.js';
import { killSpawned, spawnDft } from '../test-utils/spawn-dft.js';
import { expectResumesExactly, faultFixture, trainArgs, type FaultFixture } from './fault-run.js';

/**
 * Fault: SIGINT or SIGTERM during training. The step under way finishes, a checkpoint of it is saved, the process
 * exits 0, and resuming that checkpoint gives the uninterrupted run's losses.
 */

let f: FaultFixture;
beforeAll(async () => {
  f = await faultFixture('signals');
}, 600_000);
afterAll(() => f?.tmp.remove());
afterEach(killSpawned);

describe.skipIf(!existsSync(BIN))('fault: SIGINT / SIGTERM', () => {
  it.each(['SIGINT', 'SIGTERM'] as const)('%s: the step finishes, a checkpoint is saved, exit 0, and the run resumes exactly', async (signal) => {
    const out = join(f.tmp.dir, signal);
    const run = spawnDft(trainArgs(f.data, out, '--max-steps', '200', '--save-every', '0'));
    await run.waitFor(/"event":"step","step":1,/);
    run.child.kill(signal);
    expect(await run.exited).toBe(0);
    expect(run.stderr()).not.toMatch(/error/);
    const log = readJsonLines<LogRow>(join(out, 'log.jsonl'));
    const steps = log.length;
    // It stopped soon after the signal (the child may be a step or two ahead of what this side read), not at 200.
    expect(steps).toBeGreaterThanOrEqual(1);
    expect(steps).toBeLessThan(20);
    expect(log.map((x) => x.step)).toEqual(Array.from({ length: steps }, (_, i) => i + 1));
    const dir = `step-${String(steps).padStart(6, '0')}`;
    // --save-every 0 saves only at the end: the one checkpoint is the signal's.
    expect(stepDirs(out)).toEqual([dir]);
    expect(readJson<{ step: number }>(join(out, dir, 'trainer_state.json')).step).toBe(steps);
    expect(run.stdout()).toContain(`stopped by signal after step ${steps}; saved`);
    if (steps < 4) await expectResumesExactly(f, out);
  }, 600_000);
});
