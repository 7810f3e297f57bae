import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { listCheckpoints } from '@dft/core';
import { RANK_PIDS_VARIABLE } from './mpi-world.js';
import type { Progress } from './progress.js';

/** `mpirun --version`'s first line, or why mpirun cannot be started. */
function probeMpirun(): { ok: true; version: string } | { ok: false; reason: string } {
  const probe = spawnSync('mpirun', ['--version'], { encoding: 'utf8' });
  if (probe.error) return { ok: false, reason: `mpirun cannot be started (${probe.error.message})` };
  const version = `${probe.stdout}${probe.stderr}`.trim().split('\n')[0] ?? '';
  return probe.status === 0 ? { ok: true, version } : { ok: false, reason: `mpirun --version exited with code ${probe.status}: ${version}` };
}

/**
 * The arguments of `mpirun` that start `workers` ranks of this very command on this host. Open MPI needs to be told
 * that root may run it (CI containers) and that more ranks than cores are fine; it must not pin each rank to one
 * core (a rank's BLAS threads would share it). MPICH's mpirun takes just `-np`.
 */
export function mpirunArgs(workers: number, openMpi: boolean, command: string[]): string[] {
  const root = process.getuid?.() === 0 ? ['--allow-run-as-root'] : [];
  const options = openMpi ? [...root, '--oversubscribe', '--bind-to', 'none'] : [];
  return [...options, '-np', String(workers), ...command];
}

/** The CLI's compiled entry point (under vitest this module runs from `src/`, the ranks need `dist/`). */
function cliBin(): string {
  const here = fileURLToPath(new URL('../bin.js', import.meta.url));
  return existsSync(here) ? here : here.replace(`${sep}src${sep}bin.js`, `${sep}dist${sep}bin.js`);
}

/** `dft train`'s parsed flags back as arguments (every train flag is a string or a switch). */
export function trainArgs(values: Record<string, unknown>): string[] {
  return ['train', ...Object.entries(values).flatMap(([k, v]) => (v === true ? [`--${k}`] : typeof v === 'string' ? [`--${k}`, v] : []))];
}

/** The process ids the ranks recorded in `dir` (a rank that has not started yet has none). */
function rankPids(dir: string): number[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).map((f) => Number(readFileSync(join(dir, f), 'utf8'))).filter((pid) => Number.isInteger(pid) && pid > 0);
}

/**
 * `dft train --workers N` outside an MPI job: runs `mpirun -np N` on this command line (`args`: the same flags; each
 * rank finds its place in the MPI world) and returns its exit code. The ranks' output passes through this process. mpirun runs in its own process group, so a Ctrl-C
 * reaches this process only: SIGINT/SIGTERM are passed to the ranks as SIGTERM, they agree to stop after the
 * current step, rank 0 saves and they exit 0. (Signalling mpirun instead would make it abort the job.) A second
 * signal kills them. A rank that fails makes mpirun stop the job (its message names the rank); the error then
 * names the newest checkpoint under `out`, which a failure cannot have left half-written.
 */
export async function launchMpirun(workers: number, args: string[], out: string, progress: Progress): Promise<number> {
  const probe = probeMpirun();
  if (!probe.ok) {
    throw new Error(
      `--workers ${workers} starts ${workers} ranks with mpirun, but ${probe.reason}: install Open MPI or MPICH (Debian/Ubuntu: apt-get install openmpi-bin libopenmpi-dev), or leave --workers out`,
    );
  }
  const openMpi = /Open MPI|OpenRTE/.test(probe.version);
  const mpirun = mpirunArgs(workers, openMpi, [process.execPath, cliBin(), ...args]);
  const pids = mkdtempSync(join(tmpdir(), 'dft-ranks-'));
  // The native backend's BLAS would use every core in every rank: give each rank its share instead.
  const blasThreads = process.env.DFT_NATIVE_THREADS || String(Math.max(1, Math.floor(availableParallelism() / workers)));
  progress.message(`dft train: starting ${workers} ranks on this host with ${probe.version}: mpirun ${mpirun.join(' ')}`);
  const child = spawn('mpirun', mpirun, {
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, DFT_NATIVE_THREADS: blasThreads, [RANK_PIDS_VARIABLE]: pids },
  });
  child.stdout.on('data', (d: Buffer) => process.stdout.write(d));
  child.stderr.on('data', (d: Buffer) => process.stderr.write(d));
  let signals = 0;
  const onSignal = () => {
    signals++;
    const signal = signals === 1 ? 'SIGTERM' : 'SIGKILL';
    if (signals === 1) progress.message('stopping: the ranks finish the current step, rank 0 saves a checkpoint');
    for (const pid of rankPids(pids)) {
      try {
        process.kill(pid, signal);
      } catch {
        // That rank has already exited.
      }
    }
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const code = await new Promise<number>((resolve, reject) => {
      child.once('error', reject);
      child.once('close', (exit, signal) => resolve(exit ?? (signal ? 128 : 1)));
    });
    if (code === 0) return 0;
    const kept = listCheckpoints(out).pop();
    throw new Error(`the ${workers} ranks stopped (mpirun exited with code ${code}); ${kept ? `the last checkpoint is ${kept}` : 'no checkpoint was saved'}`);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    rmSync(pids, { recursive: true, force: true });
  }
}
