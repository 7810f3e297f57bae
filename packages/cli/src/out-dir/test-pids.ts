import { spawnSync } from 'node:child_process';
import { processAlive } from './out-lock.js';

/** The pid of a process that has exited (a child that ran and was reaped), for fabricating a dead run's leftovers. */
export function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  const pid = Number(child.stdout);
  if (!Number.isInteger(pid) || processAlive(pid)) throw new Error(`could not find a dead pid (got ${child.stdout})`);
  return pid;
}
