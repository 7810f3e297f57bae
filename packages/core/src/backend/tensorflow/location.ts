import { createHash } from 'node:crypto';
import { existsSync, realpathSync } from 'node:fs';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';

/** The two builds of the tensorflow backend; the GPU one first (it is the one worth picking automatically). */
export const TFJS_NODE_PACKAGES = ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node'] as const;
export type TfjsNodePackage = (typeof TFJS_NODE_PACKAGES)[number];

/** A loadable tfjs-node: where it lives and how it got there. */
export interface TfjsNodeInstall {
  pkg: TfjsNodePackage;
  /** The package folder (holding package.json). */
  dir: string;
  gpu: boolean;
  /** `setup`: built by `pnpm setup:tensorflow` into the cache prefix; `node_modules`: installed as a package. */
  source: 'setup' | 'node_modules';
}

const require = createRequire(import.meta.url);

/** `DFT_CACHE_DIR`, else `$XDG_CACHE_HOME/dft`, else `~/.cache/dft`: kept outside any node_modules. */
export function dftCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.DFT_CACHE_DIR) return env.DFT_CACHE_DIR;
  return join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'dft');
}

/**
 * The folders of the `@tensorflow/tfjs` this copy of @dft/core runs on and of the `@tensorflow/tfjs-core` under it
 * (symlinks resolved): tfjs-node requires both.
 */
export function sharedTfjsDirs(): Record<'@tensorflow/tfjs' | '@tensorflow/tfjs-core', string> {
  const tfjs = realpathSync(dirname(require.resolve('@tensorflow/tfjs/package.json')));
  const core = realpathSync(dirname(createRequire(join(tfjs, 'package.json')).resolve('@tensorflow/tfjs-core/package.json')));
  return { '@tensorflow/tfjs': tfjs, '@tensorflow/tfjs-core': core };
}

/**
 * The npm prefix that `pnpm setup:tensorflow` builds tfjs-node into: `DFT_TFJS_NODE_PREFIX`, else one folder per
 * tfjs copy under the cache. tfjs-node must load the very `@tensorflow/tfjs` that this package uses (one engine,
 * one kernel and gradient registry), so the prefix links to it, and checkouts with different copies get their own.
 */
export function tfjsNodePrefix(env: NodeJS.ProcessEnv = process.env): string {
  if (env.DFT_TFJS_NODE_PREFIX) return env.DFT_TFJS_NODE_PREFIX;
  const key = createHash('sha256').update(sharedTfjsDirs()['@tensorflow/tfjs']).digest('hex').slice(0, 12);
  return join(dftCacheDir(env), 'tfjs-node', key);
}

function installedPackage(pkg: TfjsNodePackage): string | null {
  try {
    return dirname(require.resolve(`${pkg}/package.json`));
  } catch {
    return null;
  }
}

/** Whether `@tensorflow/tfjs` (an optional peer: only the tensorflow backend needs it) is installed. */
function hasTfjsUnion(): boolean {
  try {
    require.resolve('@tensorflow/tfjs/package.json');
    return true;
  } catch {
    return false;
  }
}

/** The tfjs-node to load, if any: one built by the setup (the prefix) first, then one installed as a package. */
export function findTfjsNode(env: NodeJS.ProcessEnv = process.env): TfjsNodeInstall | null {
  // tfjs-node runs on @tensorflow/tfjs; without it (core needs only tfjs-core) there is no tensorflow backend.
  if (!hasTfjsUnion()) return null;
  const prefix = tfjsNodePrefix(env);
  for (const pkg of TFJS_NODE_PACKAGES) {
    const dir = join(prefix, 'node_modules', pkg);
    if (existsSync(join(dir, 'package.json'))) return { pkg, dir, gpu: pkg.endsWith('-gpu'), source: 'setup' };
  }
  for (const pkg of TFJS_NODE_PACKAGES) {
    const dir = installedPackage(pkg);
    if (dir) return { pkg, dir, gpu: pkg.endsWith('-gpu'), source: 'node_modules' };
  }
  return null;
}

/**
 * Loads tfjs-node (which registers the `tensorflow` backend). A setup-built copy must resolve `@tensorflow/tfjs` to
 * ours; a prefix linked to another checkout would register into a second engine, so it is refused with the fix.
 */
export function loadTfjsNode(install: TfjsNodeInstall): void {
  const load = createRequire(join(install.dir, 'package.json'));
  if (install.source === 'setup') {
    for (const [pkg, ours] of Object.entries(sharedTfjsDirs())) {
      const theirs = realpathSync(dirname(load.resolve(`${pkg}/package.json`)));
      if (theirs !== ours) throw new Error(`${install.dir} is linked to the ${pkg} of another checkout (${theirs}); run \`pnpm setup:tensorflow\` here`);
    }
  }
  load(install.dir);
}
