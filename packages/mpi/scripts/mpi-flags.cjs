#!/usr/bin/env node
// The MPI compile and link flags for binding.gyp (`node scripts/mpi-flags.cjs include|libs`), asked of the MPI
// compiler wrapper so that whatever MPI the system has is used: Open MPI answers `--showme:compile` and
// `--showme:link`, MPICH (and Intel MPI, MVAPICH) `-compile_info` and `-link_info`, which print a whole compiler
// command line. DFT_MPICC names another wrapper; DFT_MPI_INCLUDE / DFT_MPI_LIBS bypass the wrapper altogether.
'use strict';
const { spawnSync } = require('node:child_process');

function ask(wrapper, flag) {
  const r = spawnSync(wrapper, [flag], { encoding: 'utf8' });
  if (r.error || r.status !== 0) return null;
  // MPICH prints the compiler first: drop it, keep the flags.
  const words = r.stdout.trim().split(/\s+/).filter(Boolean);
  return words[0] && !words[0].startsWith('-') ? words.slice(1) : words;
}

/**
 * `{ wrapper, include: [dir...], libs: [flag...] }`, or throws an Error whose message says what is missing.
 * Every -L folder also becomes an rpath, so the addon finds libmpi where the wrapper found it.
 */
function mpiFlags(env = process.env) {
  const wrapper = env.DFT_MPICC || 'mpicc';
  let compile = env.DFT_MPI_INCLUDE ? env.DFT_MPI_INCLUDE.split(/[\s:]+/).filter(Boolean).map((d) => `-I${d}`) : null;
  let link = env.DFT_MPI_LIBS ? env.DFT_MPI_LIBS.split(/\s+/).filter(Boolean) : null;
  if (!compile || !link) {
    const openMpi = [ask(wrapper, '--showme:compile'), ask(wrapper, '--showme:link')];
    const mpich = openMpi.every(Boolean) ? openMpi : [ask(wrapper, '-compile_info'), ask(wrapper, '-link_info')];
    if (!mpich.every(Boolean)) {
      const found = spawnSync(wrapper, ['--version'], { encoding: 'utf8' });
      throw new Error(
        found.error
          ? `${wrapper} was not found: install MPI's development package (Debian/Ubuntu: apt-get install libopenmpi-dev openmpi-bin, or libmpich-dev mpich; Fedora: openmpi-devel; macOS: brew install open-mpi), or set DFT_MPICC`
          : `${wrapper} answers neither --showme:compile (Open MPI) nor -compile_info (MPICH): set DFT_MPI_INCLUDE and DFT_MPI_LIBS`,
      );
    }
    compile ??= mpich[0];
    link ??= mpich[1];
  }
  const include = compile.filter((f) => f.startsWith('-I')).map((f) => f.slice(2));
  const libs = link.filter((f) => /^-(L|l|Wl,|pthread)/.test(f));
  const rpaths = libs.filter((f) => f.startsWith('-L')).map((f) => `-Wl,-rpath,${f.slice(2)}`);
  if (!libs.some((f) => f.startsWith('-l'))) throw new Error(`${wrapper} named no MPI library to link (${link.join(' ') || 'empty'})`);
  return { wrapper, include, libs: [...libs, ...rpaths] };
}

module.exports = { mpiFlags };

if (require.main === module) {
  const what = process.argv[2];
  if (what !== 'include' && what !== 'libs') {
    console.error('usage: mpi-flags.cjs include|libs');
    process.exit(2);
  }
  try {
    console.log(mpiFlags()[what].join(' '));
  } catch (e) {
    console.error(`@dft/mpi: ${e.message}`);
    process.exit(1);
  }
}
