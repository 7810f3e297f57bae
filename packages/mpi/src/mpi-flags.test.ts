import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const script = fileURLToPath(new URL('../scripts/mpi-flags.cjs', import.meta.url));
const temp = mkdtempSync(join(tmpdir(), 'dft-mpi-flags-'));
afterAll(() => rmSync(temp, { recursive: true, force: true }));

/** A stand-in MPI compiler wrapper that answers `flag` with `reply` and fails on anything else. */
function wrapper(name: string, answers: Record<string, string>): string {
  const path = join(temp, name);
  const cases = Object.entries(answers).map(([flag, reply]) => `  ${flag}) echo '${reply}' ;;`).join('\n');
  writeFileSync(path, `#!/bin/sh\ncase "$1" in\n${cases}\n  *) echo "unknown option $1" >&2; exit 1 ;;\nesac\n`);
  chmodSync(path, 0o755);
  return path;
}

function flags(what: 'include' | 'libs', env: Record<string, string>) {
  const r = spawnSync(process.execPath, [script, what], { env: { ...process.env, ...env }, encoding: 'utf8' });
  return { status: r.status, out: r.stdout.trim(), err: r.stderr.trim() };
}

describe('mpi-flags.cjs: the MPI flags for binding.gyp', () => {
  it("Open MPI: --showme:compile and --showme:link, each -L folder also an rpath", () => {
    const mpicc = wrapper('ompi-mpicc', {
      '--showme:compile': '-I/opt/ompi/include -pthread',
      '--showme:link': '-pthread -L/opt/ompi/lib -Wl,--enable-new-dtags -lmpi',
    });
    expect(flags('include', { DFT_MPICC: mpicc }).out).toBe('/opt/ompi/include');
    expect(flags('libs', { DFT_MPICC: mpicc }).out).toBe('-pthread -L/opt/ompi/lib -Wl,--enable-new-dtags -lmpi -Wl,-rpath,/opt/ompi/lib');
  });

  it('MPICH: -compile_info and -link_info (a whole command line: the compiler and the source-less flags)', () => {
    const mpicc = wrapper('mpich-mpicc', {
      '-compile_info': 'gcc -I/usr/include/x86_64-linux-gnu/mpich -O2',
      '-link_info': 'gcc -I/usr/include/x86_64-linux-gnu/mpich -L/usr/lib/x86_64-linux-gnu -lmpich -lpthread',
    });
    expect(flags('include', { DFT_MPICC: mpicc }).out).toBe('/usr/include/x86_64-linux-gnu/mpich');
    expect(flags('libs', { DFT_MPICC: mpicc }).out).toBe('-L/usr/lib/x86_64-linux-gnu -lmpich -lpthread -Wl,-rpath,/usr/lib/x86_64-linux-gnu');
  });

  it('DFT_MPI_INCLUDE / DFT_MPI_LIBS bypass the wrapper', () => {
    const env = { DFT_MPICC: join(temp, 'absent'), DFT_MPI_INCLUDE: '/a/include:/b/include', DFT_MPI_LIBS: '-L/a/lib -lmpi' };
    expect(flags('include', env).out).toBe('/a/include /b/include');
    expect(flags('libs', env).out).toBe('-L/a/lib -lmpi -Wl,-rpath,/a/lib');
  });

  it('a wrapper that answers neither dialect, or names no library: the error says what to set', () => {
    const odd = wrapper('odd-mpicc', { '--version': 'odd 1.0' });
    const r = flags('libs', { DFT_MPICC: odd });
    expect(r.status).toBe(1);
    expect(r.err).toBe(`@dft/mpi: ${odd} answers neither --showme:compile (Open MPI) nor -compile_info (MPICH): set DFT_MPI_INCLUDE and DFT_MPI_LIBS`);
    const nolib = wrapper('nolib-mpicc', { '--showme:compile': '-I/x', '--showme:link': '-L/x/lib' });
    expect(flags('libs', { DFT_MPICC: nolib }).err).toBe(`@dft/mpi: ${nolib} named no MPI library to link (-L/x/lib)`);
  });
});
