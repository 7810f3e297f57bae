import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { loadAddon } from './addon.js';
import { loadMpi } from './mpi.js';

const packageRoot = fileURLToPath(new URL('..', import.meta.url));
const temp = mkdtempSync(join(tmpdir(), 'dft-mpi-addon-'));
afterAll(() => rmSync(temp, { recursive: true, force: true }));

/** A copy of the package's build inputs, whose install script is then run with `env`. */
function installCopy(name: string, env: Record<string, string>): { root: string; stderr: string; status: number | null } {
  const root = join(temp, name);
  for (const part of ['csrc', 'scripts', 'binding.gyp']) cpSync(join(packageRoot, part), join(root, part), { recursive: true });
  const r = spawnSync(process.execPath, [join(root, 'scripts', 'build-addon.cjs')], { cwd: root, env: { ...process.env, ...env }, encoding: 'utf8' });
  return { root, stderr: r.stderr, status: r.status };
}

describe('loadAddon says why the addon is unavailable', () => {
  it('never installed: how to build it', () => {
    const r = loadAddon(join(temp, 'empty'));
    expect(r.ok).toBe(false);
    expect(!r.ok && r.reason).toMatch(/the MPI addon was not built \(run `pnpm --filter @dft\/mpi build:addon`; .*libopenmpi-dev\)/);
  });

  it('no MPI compiler wrapper at install: the install succeeds and the reason names the package to install', () => {
    const copy = installCopy('no-mpicc', { DFT_MPICC: join(temp, 'no-such-mpicc') });
    expect(copy.status).toBe(0);
    expect(copy.stderr).toContain('@dft/mpi: the addon was not built');
    const r = loadAddon(copy.root);
    expect(!r.ok && r.reason).toMatch(/no-such-mpicc was not found: install MPI's development package \(Debian\/Ubuntu: apt-get install libopenmpi-dev openmpi-bin/);
  });

  it('build skipped on purpose', () => {
    const copy = installCopy('skipped', { DFT_MPI_SKIP_BUILD: '1' });
    expect(copy.status).toBe(0);
    const r = loadAddon(copy.root);
    expect(!r.ok && r.reason).toBe('the addon build was skipped (DFT_MPI_SKIP_BUILD is set)');
  });

  it('a build that reported success but whose binary is gone', () => {
    const root = join(temp, 'lost');
    mkdirSync(join(root, 'build'), { recursive: true });
    writeFileSync(join(root, 'build', 'status.json'), JSON.stringify({ ok: true }));
    const r = loadAddon(root);
    expect(!r.ok && r.reason).toMatch(/dft_mpi\.node is missing although its build reported success/);
  });

  it('a binary that does not load (e.g. libmpi removed after the build): the loader error', () => {
    const root = join(temp, 'broken');
    mkdirSync(join(root, 'build', 'Release'), { recursive: true });
    writeFileSync(join(root, 'build', 'Release', 'dft_mpi.node'), 'not a shared object');
    const r = loadAddon(root);
    expect(!r.ok && r.reason).toMatch(/^loading .*dft_mpi\.node failed: .*(invalid ELF header|file too short|not a mach-o)/i);
  });
});

describe('loadMpi', () => {
  it('DFT_MPI_DISABLE: unavailable without initialising MPI, and the answer is kept', () => {
    process.env.DFT_MPI_DISABLE = '1';
    try {
      expect(loadMpi()).toEqual({ ok: false, reason: 'disabled by DFT_MPI_DISABLE' });
    } finally {
      delete process.env.DFT_MPI_DISABLE;
    }
    expect(loadMpi()).toEqual({ ok: false, reason: 'disabled by DFT_MPI_DISABLE' });
  });
});
