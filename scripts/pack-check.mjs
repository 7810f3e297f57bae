// Publishability check: `pnpm pack` every package, install each tarball into an empty folder the way a user would
// (`npm install`, with its published dependencies; unpublished @dft/* siblings come from their tarballs) and import it.
import { execFileSync } from 'node:child_process';
import { lstatSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const packagesDir = join(root, 'packages');
const work = mkdtempSync(join(tmpdir(), 'dft-pack-'));
const tarballs = join(work, 'tarballs');

const manifests = new Map();
for (const dir of readdirSync(packagesDir)) {
  const pkg = JSON.parse(readFileSync(join(packagesDir, dir, 'package.json'), 'utf8'));
  if (pkg.private) continue;
  manifests.set(pkg.name, { dir: join(packagesDir, dir), pkg });
}

const tarballOf = new Map();
for (const [name, { dir }] of manifests) {
  const out = execFileSync('pnpm', ['pack', '--pack-destination', tarballs], { cwd: dir, encoding: 'utf8' });
  const file = out.trim().split('\n').pop().trim();
  tarballOf.set(name, file.startsWith('/') ? file : join(tarballs, file));
}

/**
 * The package and every @dft/* package it depends on, transitively. Optional ones (@dft/native, whose addon takes
 * minutes to compile) are left out: npm skips an optional package it cannot fetch, so sizes are without them.
 */
function closure(name, seen = new Set()) {
  if (seen.has(name)) return seen;
  seen.add(name);
  for (const dep of Object.keys(manifests.get(name).pkg.dependencies ?? {})) if (manifests.has(dep)) closure(dep, seen);
  return seen;
}

/**
 * @dft/core installed without optional packages (so without @dft/native) must still run, and compute gradients
 * with tfjs-core alone: the union package @tensorflow/tfjs is not installed.
 */
function checkLeanCore() {
  const app = join(work, 'lean-core');
  execFileSync('mkdir', ['-p', app]);
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
  const installs = [...closure('@dft/core')].map((n) => tarballOf.get(n));
  execFileSync('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', '--omit=optional', ...installs], { cwd: app, stdio: 'inherit' });
  const probe = `
    import { existsSync } from 'node:fs';
    const core = await import('@dft/core');
    for (const absent of ['@dft/native', '@tensorflow/tfjs']) if (existsSync('node_modules/' + absent)) throw new Error(absent + ' is installed');
    const backend = await core.selectBackend({ log: null });
    const tf = await import('@tensorflow/tfjs-core');
    const x = tf.variable(tf.tensor1d([1, 2, 3]));
    const { grads } = tf.variableGrads(() => tf.sum(tf.mul(tf.softmax(x), tf.sum(tf.square(x)))));
    const g = Array.from(grads[x.name].dataSync());
    if (!g.every((v, i) => Math.abs(v - 2 * (i + 1)) < 1e-5)) throw new Error('gradient ' + g.join() + ', expected 2,4,6');
    console.log('@dft/core without optional packages: backend', backend + ', gradients registered by tfjs-core alone');`;
  execFileSync('node', ['--input-type=module', '-e', probe], { cwd: app, stdio: 'inherit' });
}

/** Bytes of every file under `dir` (symlinks counted as links, not followed): what an install puts on disk. */
function installedBytes(dir) {
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    total += entry.isDirectory() ? installedBytes(path) : lstatSync(path).size;
  }
  return total;
}

const sizes = [];
let failures = 0;
for (const [name, { pkg }] of manifests) {
  const app = join(work, name.replace('/', '__'));
  execFileSync('mkdir', ['-p', app]);
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
  const peers = Object.entries(pkg.peerDependencies ?? {})
    .filter(([p]) => !pkg.peerDependenciesMeta?.[p]?.optional)
    .map(([p, v]) => `${p}@${v}`);
  const installs = [...closure(name)].map((n) => tarballOf.get(n));
  try {
    execFileSync('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', ...installs, ...peers], { cwd: app, stdio: 'inherit' });
    const probe = `const m = await import(${JSON.stringify(name)}); const keys = Object.keys(m); if (keys.length === 0) throw new Error('no exports'); console.log(${JSON.stringify(name)}, 'exports', keys.length, 'names:', keys.slice(0, 6).join(', '));`;
    execFileSync('node', ['--input-type=module', '-e', probe], { cwd: app, stdio: 'inherit' });
    sizes.push({ name, bytes: installedBytes(join(app, 'node_modules')) });
    if (pkg.bin) {
      for (const bin of Object.keys(pkg.bin)) execFileSync(join(app, 'node_modules', '.bin', bin), ['--help'], { cwd: app, stdio: 'ignore' });
    }
  } catch (e) {
    console.error(`pack-check: ${name} failed: ${e.message}`);
    failures++;
  }
}
try {
  checkLeanCore();
} catch (e) {
  console.error(`pack-check: @dft/core without optional packages failed: ${e.message}`);
  failures++;
}
rmSync(work, { recursive: true, force: true });
console.log('pack-check: installed size (npm install of the package alone into an empty folder, without optional @dft/native)');
for (const { name, bytes } of sizes) console.log(`  ${name.padEnd(16)} ${(bytes / 1e6).toFixed(1).padStart(7)} MB`);
if (failures) {
  console.error(`pack-check: ${failures} package(s) failed`);
  process.exit(1);
}
console.log(`pack-check: ${manifests.size} packages install and import from their tarballs`);
