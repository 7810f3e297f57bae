import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { dftCacheDir } from './location.js';
import type { TensorflowWheel } from './wheel.js';

/** The C library and its headers, unpacked from a wheel. */
export interface Libtensorflow {
  dir: string;
  lib: string;
  include: string;
  /** The two shared objects: the C/C++ API and the framework it links to. */
  libraries: string[];
  version: string;
}

export const LIBRARY_FILES = ['libtensorflow_cc.so.2', 'libtensorflow_framework.so.2'];
/** The headers of the C and eager C APIs that tfjs-node's binding includes, with the few they include in turn. */
const HEADER_DIRS = ['tensorflow/c', 'tensorflow/core/platform', 'tsl', 'xla/tsl'];
const REQUIRED_HEADERS = ['tensorflow/c/c_api.h', 'tensorflow/c/eager/c_api.h'];

function stamp(wheel: TensorflowWheel): string {
  return JSON.stringify({ wheel: basename(wheel.file), bytes: statSync(wheel.file).size });
}

function describe(dir: string, wheel: TensorflowWheel): Libtensorflow {
  const lib = join(dir, 'lib');
  return { dir, lib, include: join(dir, 'include'), libraries: LIBRARY_FILES.map((f) => join(lib, f)), version: wheel.version };
}

/**
 * Unpacks `libtensorflow_cc.so.2`, `libtensorflow_framework.so.2` and the C API headers into
 * `<cache>/libtensorflow/<version>-<cpu|gpu>`, once per wheel: a folder with the same wheel's stamp is reused, and a
 * new one is filled beside it and renamed into place, so an interrupted run leaves nothing half-written.
 */
export function unpackWheel(wheel: TensorflowWheel, log: (line: string) => void): Libtensorflow {
  const dir = join(dftCacheDir(), 'libtensorflow', `${wheel.version}-${wheel.gpu ? 'gpu' : 'cpu'}`);
  const stampFile = join(dir, 'wheel.json');
  if (existsSync(stampFile) && readFileSync(stampFile, 'utf8') === stamp(wheel)) {
    log(`libtensorflow ${wheel.version} already unpacked in ${dir}`);
    return describe(dir, wheel);
  }
  const tmp = `${dir}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  try {
    log(`unpacking the TensorFlow C library from ${basename(wheel.file)} into ${dir}`);
    const members = [...LIBRARY_FILES.map((f) => `tensorflow/${f}`), ...HEADER_DIRS.map((d) => `tensorflow/include/${d}/*`)];
    try {
      execFileSync('unzip', ['-q', '-o', wheel.file, ...members, '-d', tmp], { stdio: ['ignore', 'ignore', 'pipe'] });
    } catch (e) {
      const err = e as NodeJS.ErrnoException & { status?: number; stderr?: Buffer };
      if (err.code === 'ENOENT') throw new Error('`unzip` was not found: it is needed to unpack the wheel');
      // Status 11 only says that some pattern matched nothing; the checks below name what is missing.
      if (err.status !== 11) throw new Error(`unzip ${wheel.file} failed: ${String(err.stderr ?? err.message).trim()}`);
    }
    const unpacked = join(tmp, 'tensorflow');
    const absent = [...LIBRARY_FILES, ...REQUIRED_HEADERS.map((h) => `include/${h}`)].filter((f) => !existsSync(join(unpacked, f)));
    if (absent.length) throw new Error(`${wheel.file} does not contain ${absent.map((f) => `tensorflow/${f}`).join(', ')}`);
    mkdirSync(join(tmp, 'lib'));
    for (const f of LIBRARY_FILES) renameSync(join(unpacked, f), join(tmp, 'lib', f));
    renameSync(join(unpacked, 'include'), join(tmp, 'include'));
    rmSync(unpacked, { recursive: true, force: true });
    writeFileSync(join(tmp, 'wheel.json'), stamp(wheel));
    rmSync(dir, { recursive: true, force: true });
    renameSync(tmp, dir);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  return describe(dir, wheel);
}
