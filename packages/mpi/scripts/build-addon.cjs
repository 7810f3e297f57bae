#!/usr/bin/env node
// Install-time build of `build/Release/dft_mpi.node` with node-gyp against the system MPI (scripts/mpi-flags.cjs).
// MPI is optional: on any failure (no MPI development package, no compiler, no node-gyp) this script records why in
// `build/status.json`, prints one line and exits 0, and `loadMpi()` returns that reason.
'use strict';
const { spawnSync } = require('node:child_process');
const { createHash } = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');
const { mpiFlags } = require('./mpi-flags.cjs');

const root = path.join(__dirname, '..');
const build = path.join(root, 'build');
const addon = path.join(build, 'Release', 'dft_mpi.node');
const statusFile = path.join(build, 'status.json');
const verbose = process.argv.includes('--verbose');

function record(status) {
  fs.mkdirSync(build, { recursive: true });
  fs.writeFileSync(`${statusFile}.tmp`, JSON.stringify({ ...status, node: process.version }, null, 2) + '\n');
  fs.renameSync(`${statusFile}.tmp`, statusFile);
  if (!status.ok) console.warn(`@dft/mpi: ${status.reason}; MPI collectives will be unavailable (details in ${statusFile})`);
}

/** The node-gyp that the package manager hands to install scripts, else npm's own copy next to this node. */
function nodeGyp() {
  const candidates = [
    process.env.npm_config_node_gyp,
    path.join(path.dirname(process.execPath), '../lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js'),
  ];
  const script = candidates.find((c) => c && fs.existsSync(c));
  if (script) return [process.execPath, script];
  return spawnSync('node-gyp', ['--version']).status === 0 ? ['node-gyp'] : null;
}

/** Sources, flags and node's ABI: an install with the same fingerprint keeps the binary it already has. */
function fingerprint(flags) {
  const h = createHash('sha256');
  for (const dir of ['csrc', 'scripts']) {
    for (const f of fs.readdirSync(path.join(root, dir)).sort()) h.update(f).update(fs.readFileSync(path.join(root, dir, f)));
  }
  h.update(fs.readFileSync(path.join(root, 'binding.gyp')));
  h.update(JSON.stringify(flags)).update(`${process.versions.modules} ${process.arch} ${process.platform}`);
  return h.digest('hex');
}

function main() {
  if (process.env.DFT_MPI_SKIP_BUILD) {
    fs.rmSync(path.join(build, 'Release'), { recursive: true, force: true });
    return record({ ok: false, reason: 'the addon build was skipped (DFT_MPI_SKIP_BUILD is set)' });
  }
  let flags;
  try {
    flags = mpiFlags();
  } catch (e) {
    return record({ ok: false, reason: `the addon was not built: ${e.message}` });
  }
  const inputs = fingerprint(flags);
  try {
    const last = JSON.parse(fs.readFileSync(statusFile, 'utf8'));
    if (last.ok && last.inputs === inputs && fs.existsSync(addon) && !process.argv.includes('--force')) return;
  } catch {
    // No previous build.
  }
  const gyp = nodeGyp();
  if (!gyp) return record({ ok: false, reason: 'the addon was not built: node-gyp was not found (it ships with npm)' });
  // Node's headers next to this node binary (a distro or tarball install) let node-gyp build offline.
  const prefix = path.dirname(path.dirname(process.execPath));
  const nodedir = !process.env.npm_config_nodedir && fs.existsSync(path.join(prefix, 'include/node/node_api.h')) ? [`--nodedir=${prefix}`] : [];
  const [cmd, ...pre] = gyp;
  const r = spawnSync(cmd, [...pre, 'rebuild', ...nodedir, ...(verbose ? ['--verbose'] : [])], {
    cwd: root,
    encoding: 'utf8',
    stdio: verbose ? 'inherit' : 'pipe',
  });
  if (r.status === 0 && fs.existsSync(addon)) return record({ ok: true, addon, inputs, mpicc: flags.wrapper });
  const log = `${r.stdout ?? ''}\n${r.stderr ?? ''}`.trim().slice(-1500);
  record({ ok: false, reason: `the addon did not build: node-gyp exited with ${r.status ?? r.signal ?? r.error?.message}`, log });
}

main();
