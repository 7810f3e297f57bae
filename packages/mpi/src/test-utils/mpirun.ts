import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadAddon } from '../addon.js';
import type { NetnsHosts } from './netns-hosts.js';

/** Why MPI jobs cannot run here (no `mpirun` on PATH, the addon not built), or null when they can. */
export function mpirunUnavailable(): string | null {
  const probe = spawnSync('mpirun', ['--version'], { encoding: 'utf8' });
  if (probe.error) return 'mpirun is not on PATH (Debian/Ubuntu: apt-get install openmpi-bin libopenmpi-dev)';
  const addon = loadAddon();
  return addon.ok ? null : `@dft/mpi: ${addon.reason}`;
}

export interface MpirunOptions {
  /** Ranks to start (more than the cores is allowed: `--oversubscribe`). */
  np: number;
  /** The program and its arguments, e.g. `[process.execPath, 'rank.mjs']`. */
  command: string[];
  /** Variables added to every rank's environment (passed with `-x`, so they reach ranks on other hosts too). */
  env?: Record<string, string>;
  /** Further mpirun options placed before the program. */
  options?: string[];
  /** Run on two network-namespace hosts (mpirun on the first, `np / 2` ranks on each) instead of this host. */
  hosts?: NetnsHosts;
  /** Kill mpirun after this long (default 60 s); the result says so. */
  timeoutMs?: number;
}

export interface MpirunResult {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

/** mpirun's argument list: root is allowed (CI containers run as root), `-x` for each variable of `env`. */
export function mpirunArgs(o: MpirunOptions): string[] {
  const root = process.getuid?.() === 0 ? ['--allow-run-as-root'] : [];
  const vars = Object.keys(o.env ?? {}).flatMap((k) => ['-x', k]);
  const hosts = o.hosts?.mpirunOptions(Math.ceil(o.np / 2)) ?? [];
  return [...root, '--oversubscribe', '-np', String(o.np), ...vars, ...hosts, ...(o.options ?? []), ...o.command];
}

/** Runs an MPI job to completion and collects its output (never throws for a failing job: check `status`). */
export function runMpirun(o: MpirunOptions): Promise<MpirunResult> {
  return new Promise((resolve, reject) => {
    const [cmd, ...args] = [...(o.hosts?.launcher() ?? []), 'mpirun', ...mpirunArgs(o)];
    const child = spawn(cmd!, args, { env: { ...process.env, ...o.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, o.timeoutMs ?? 60_000);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (status, signal) => {
      clearTimeout(timer);
      resolve({ status, signal, stdout, stderr, timedOut });
    });
  });
}

/**
 * A folder for ranks to report into (mpirun interleaves long stdout lines of different ranks), and its reader:
 * each rank writes `rank-<rank>.json` into `dir`; `read()` returns them ordered by rank.
 */
export function rankResultsDir(): { dir: string; read<T>(): T[]; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'dft-mpi-ranks-'));
  return {
    dir,
    read: <T>() =>
      readdirSync(dir)
        .filter((f) => /^rank-\d+\.json$/.test(f))
        .sort((a, b) => parseInt(a.slice(5), 10) - parseInt(b.slice(5), 10))
        .map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as T),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
