import { execFileSync, type ExecFileSyncOptions } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { sharedTfjsDirs, tfjsNodePrefix, type TfjsNodePackage } from './location.js';
import { missingSymbols } from './symbols.js';
import type { Libtensorflow } from './unpack-wheel.js';

/** The tfjs-node release this project's tfjs 4.22 pairs with (its last one). */
export const TFJS_NODE_VERSION = '4.22.0';
const MARKER = 'dft-build.json';

function run(cmd: string, args: string[], what: string, opts: ExecFileSyncOptions): void {
  try {
    execFileSync(cmd, args, { ...opts, stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 1 << 26 });
  } catch (e) {
    const err = e as NodeJS.ErrnoException & { stdout?: Buffer; stderr?: Buffer };
    if (err.code === 'ENOENT') throw new Error(`${what}: \`${cmd}\` was not found`);
    const output = `${err.stdout ?? ''}${err.stderr ?? ''}`.trim().split('\n').slice(-25).join('\n');
    throw new Error(`${what} failed (${cmd} ${args.join(' ')}):\n${output}`);
  }
}

/** Replaces `path` by a symlink to `target` (a stale link or an npm-installed copy alike). */
function link(target: string, path: string): void {
  if (existsSync(path) || isLink(path)) rmSync(path, { recursive: true, force: true });
  symlinkSync(target, path);
}

function isLink(path: string): boolean {
  try {
    return lstatSync(path).isSymbolicLink();
  } catch {
    return false;
  }
}

/** The folder holding Node's own headers (`include/node/node_api.h`), so node-gyp downloads nothing. */
function nodeHeaders(): string {
  const configured = process.env.npm_config_nodedir;
  const dir = configured || dirname(dirname(process.execPath));
  if (!existsSync(join(dir, 'include', 'node', 'node_api.h'))) {
    throw new Error(`Node's headers are not in ${dir}/include/node (node_api.h); install them (e.g. the nodejs dev package) or point npm_config_nodedir at them`);
  }
  return dir;
}

/** node-gyp: the one npm or pnpm names for scripts, else the copy bundled with npm. */
function nodeGyp(): string {
  if (process.env.npm_config_node_gyp) return process.env.npm_config_node_gyp;
  const npmRoot = execFileSync('npm', ['root', '-g'], { encoding: 'utf8' }).trim();
  const bundled = join(npmRoot, 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js');
  if (!existsSync(bundled)) throw new Error(`node-gyp was not found (looked for npm's copy at ${bundled}); set npm_config_node_gyp`);
  return bundled;
}

/** Installs tfjs-node (scripts off: its install script would download libtensorflow 2.9.1) into the prefix. */
function installPackage(prefix: string, pkg: TfjsNodePackage, dir: string, log: (line: string) => void): void {
  const installed = existsSync(join(dir, 'package.json')) && JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).version === TFJS_NODE_VERSION;
  if (installed) return;
  mkdirSync(prefix, { recursive: true });
  if (!existsSync(join(prefix, 'package.json'))) {
    writeFileSync(join(prefix, 'package.json'), JSON.stringify({ private: true, description: 'tfjs-node built by dft setup:tensorflow' }, null, 2) + '\n');
  }
  log(`installing ${pkg}@${TFJS_NODE_VERSION} into ${prefix} (without its install script)`);
  run('npm', ['install', '--ignore-scripts', '--no-audit', '--no-fund', '--loglevel=error', `${pkg}@${TFJS_NODE_VERSION}`], `npm install ${pkg}`, { cwd: prefix });
}

/**
 * tfjs-node must share @dft/core's `@tensorflow/tfjs` and `-core` (one engine and kernel registry): the copies npm
 * installed beside it go, and those two link to ours.
 */
function shareTfjs(prefix: string, pkg: TfjsNodePackage): void {
  const scope = join(prefix, 'node_modules', '@tensorflow');
  // The other build goes too: the prefix holds the one backend the last setup asked for.
  for (const name of readdirSync(scope)) {
    if (`@tensorflow/${name}` !== pkg) rmSync(join(scope, name), { recursive: true, force: true });
  }
  for (const [name, dir] of Object.entries(sharedTfjsDirs())) link(dir, join(prefix, 'node_modules', name));
}

/**
 * `deps/` as tfjs-node's build and loader expect it: `-ltensorflow` is the wheel's `libtensorflow_cc.so.2` (the C API
 * lives there), `libtensorflow.so.2.9.1` makes its install script see a library and skip the download, and the
 * binding's rpath (`deps/lib`) finds both sonames at run time.
 */
function linkDeps(dir: string, tf: Libtensorflow): void {
  const lib = join(dir, 'deps', 'lib');
  mkdirSync(lib, { recursive: true });
  for (const file of tf.libraries) link(file, join(lib, file.slice(tf.lib.length + 1)));
  link('libtensorflow_cc.so.2', join(lib, 'libtensorflow.so'));
  link('libtensorflow_cc.so.2', join(lib, 'libtensorflow.so.2.9.1'));
  link('libtensorflow_framework.so.2', join(lib, 'libtensorflow_framework.so'));
  link(tf.include, join(dir, 'deps', 'include'));
}

/** The compiled binding under `lib/napi-v*` (node-pre-gyp picks the N-API version). */
function bindingPath(dir: string): string | null {
  const lib = join(dir, 'lib');
  if (!existsSync(lib)) return null;
  const found = readdirSync(lib).filter((d) => d.startsWith('napi-v')).map((d) => join(lib, d, 'tfjs_binding.node')).filter(existsSync);
  return found[0] ?? null;
}

/**
 * Builds `pkg` from source against the unpacked C library, once: a build whose marker names the same library is
 * kept. After the build, `nm -D` checks that the library exports every C API function the binding calls.
 */
export function buildTfjsNode(pkg: TfjsNodePackage, tf: Libtensorflow, log: (line: string) => void): string {
  const prefix = tfjsNodePrefix();
  const dir = join(prefix, 'node_modules', pkg);
  installPackage(prefix, pkg, dir, log);
  shareTfjs(prefix, pkg);
  linkDeps(dir, tf);
  const marker = JSON.stringify({ libtensorflow: tf.dir, version: tf.version });
  const built = bindingPath(dir);
  if (built && existsSync(join(dir, MARKER)) && readFileSync(join(dir, MARKER), 'utf8') === marker) {
    log(`${pkg} already built against TensorFlow ${tf.version} in ${dir}`);
    return dir;
  }
  rmSync(join(dir, MARKER), { force: true });
  log(`building ${pkg} from source against TensorFlow ${tf.version} (node-pre-gyp --build-from-source)`);
  const env = { ...process.env, npm_config_nodedir: nodeHeaders(), npm_config_node_gyp: nodeGyp() };
  const preGyp = join(prefix, 'node_modules', '@mapbox', 'node-pre-gyp', 'bin', 'node-pre-gyp');
  run(process.execPath, [preGyp, 'install', '--build-from-source'], `building ${pkg}`, { cwd: dir, env });
  const binding = bindingPath(dir);
  if (!binding) throw new Error(`building ${pkg}: no tfjs_binding.node under ${join(dir, 'lib')}`);
  const missing = missingSymbols(binding, tf.libraries);
  if (missing.length) {
    throw new Error(`the TensorFlow ${tf.version} library in ${tf.lib} lacks ${missing.length} C API function(s) that ${pkg} calls: ${missing.join(', ')}`);
  }
  writeFileSync(join(dir, MARKER), marker);
  return dir;
}
