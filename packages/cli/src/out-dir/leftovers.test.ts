import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cleanLeftovers } from './leftovers.js';
import { processStartMs } from './out-lock.js';
import { deadPid } from './test-pids.js';

const dir = mkdtempSync(join(tmpdir(), 'dft-leftovers-'));
// A live process that is not this one (the test runner's own pid would be just as alive, but a separate one is clearer).
const sleeper = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
afterAll(() => {
  sleeper.kill();
  rmSync(dir, { recursive: true, force: true });
});

describe('crash leftovers', () => {
  it('removes the temporary entries of dead processes, keeps live ones, restores a folder moved aside, touches nothing else', () => {
    const dead = deadPid();
    const live = sleeper.pid!;
    const folder = (name: string, content = 'x') => {
      mkdirSync(join(dir, name));
      writeFileSync(join(dir, name, 'model.safetensors'), content);
    };
    folder('step-000001');
    folder(`step-000004.tmp-${dead}-0a1b2c3d`, 'partial');
    folder(`step-000005.tmp-${live}-0a1b2c3d`, 'being written');
    folder(`step-000002.old-${dead}-11223344`, 'old step 2'); // its replacement never arrived: moved back
    folder('step-000003', 'new step 3');
    folder(`step-000003.old-${dead}-55667788`, 'old step 3'); // its replacement is in place: removed
    writeFileSync(join(dir, `.train.arrow.${dead}.deadbeef.tmp`), 'partial arrow');
    writeFileSync(join(dir, `.train.arrow.${live}.deadbeef.tmp`), 'arrow being written');
    writeFileSync(join(dir, 'notes.tmp'), 'not ours');
    writeFileSync(join(dir, `step-000009.tmp-${dead}-0a1b2c3d`), 'a file, not a temporary folder');
    const said: string[] = [];
    const done = cleanLeftovers(dir, (l) => said.push(l));
    expect(done.map((d) => `${d.action} ${d.name}`).sort()).toEqual(
      [
        `removed step-000004.tmp-${dead}-0a1b2c3d`,
        `kept step-000005.tmp-${live}-0a1b2c3d`,
        `restored step-000002.old-${dead}-11223344`,
        `removed step-000003.old-${dead}-55667788`,
        `removed .train.arrow.${dead}.deadbeef.tmp`,
        `kept .train.arrow.${live}.deadbeef.tmp`,
      ].sort(),
    );
    expect(readdirSync(dir).sort()).toEqual(
      ['step-000001', 'step-000002', 'step-000003', `step-000005.tmp-${live}-0a1b2c3d`, `.train.arrow.${live}.deadbeef.tmp`, 'notes.tmp', `step-000009.tmp-${dead}-0a1b2c3d`].sort(),
    );
    expect(readFileSync(join(dir, 'step-000002', 'model.safetensors'), 'utf8')).toBe('old step 2');
    expect(readFileSync(join(dir, 'step-000003', 'model.safetensors'), 'utf8')).toBe('new step 3');
    expect(said).toContain(`removed ${join(dir, `step-000004.tmp-${dead}-0a1b2c3d`)}, left by process ${dead} which is no longer running`);
    expect(said).toContain(`kept ${join(dir, `step-000005.tmp-${live}-0a1b2c3d`)}: its process ${live} is still running`);
    expect(cleanLeftovers(dir).filter((d) => d.action !== 'kept')).toEqual([]); // a second pass finds nothing more
  });

  it('removes an entry whose pid now belongs to a process that started after the entry was last written (a reused pid)', () => {
    const live = sleeper.pid!;
    const started = processStartMs(live)!;
    expect(Math.abs(started - Date.now())).toBeLessThan(10 * 60_000); // the sleeper started with this file
    const reused = join(dir, `step-000007.tmp-${live}-99aabbcc`);
    mkdirSync(reused);
    writeFileSync(join(reused, 'model.safetensors'), 'left by an earlier process with the same pid');
    const hourAgo = new Date(started - 3_600_000);
    utimesSync(reused, hourAgo, hourAgo);
    const written = join(dir, `.log.jsonl.${live}.0badf00d.tmp`);
    writeFileSync(written, 'being written by the live process');
    const said: string[] = [];
    const done = cleanLeftovers(dir, (l) => said.push(l)).filter((d) => d.name.includes('99aabbcc') || d.name.includes('0badf00d'));
    expect(done.map((d) => `${d.action} ${d.name}`).sort()).toEqual([`kept .log.jsonl.${live}.0badf00d.tmp`, `removed step-000007.tmp-${live}-99aabbcc`]);
    expect(said).toContain(`removed ${reused}, left by process ${live} which has ended (pid ${live} now belongs to a later process)`);
  });
});
