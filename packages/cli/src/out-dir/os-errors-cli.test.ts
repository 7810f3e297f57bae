import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, EVAL_DATA, SLICE, tempDir, TINY_LLAMA, writeShortRecords } from '../test-utils/cli-harness.js';

/**
 * Unusable output folders, provoked for real: a file in the way, a read-only file system (a read-only bind mount),
 * a full disk (a 16 kB tmpfs) and a folder without write permission. The mounts are made in a private mount
 * namespace of the child (`unshare -m`), so nothing outside the test sees them; they need root, and the permission
 * case needs a non-root user (as root it runs the CLI as `nobody`). A case whose means are missing is skipped,
 * saying why.
 */

let tmp: ReturnType<typeof tempDir>;
let input: string;
beforeAll(() => {
  tmp = tempDir('oserr');
  chmodSync(tmp.dir, 0o755); // readable by the unprivileged user of the permission case
  input = join(tmp.dir, 'four.json');
  writeShortRecords(input, 4);
});
afterAll(() => tmp.remove());

const isRoot = process.getuid?.() === 0;
const probe = spawnSync('unshare', ['-m', 'sh', '-c', 'mount -t tmpfs -o size=16k tmpfs /mnt'], { encoding: 'utf8' });
const canMount = isRoot && probe.status === 0;
const whyNoMount = !isRoot ? 'not root' : `unshare -m cannot mount here (${(probe.stderr || String(probe.error)).trim()})`;
const canSetpriv = isRoot && spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', 'true']).status === 0;
if (!canMount) console.warn(`os-errors-cli: skipping the read-only and disk-full cases: ${whyNoMount}`);

interface Run {
  code: number | null;
  out: string;
  err: string;
}

/**
 * `dft ...args` in a child process, after `setup` (shell commands, e.g. mounts) in a private mount namespace, and
 * before `after` (which sees the namespace's mounts too).
 */
function dftIn(setup: string, args: string[], wrap: string[] = [], after = ''): Run {
  const run = after ? `{ "$@"; rc=$?; ${after}; exit $rc; }` : 'exec "$@"';
  const cmd = setup ? ['unshare', '-m', 'sh', '-c', `${setup} && ${run}`, 'sh'] : [];
  const [exe, ...rest] = [...cmd, ...wrap, process.execPath, BIN, ...args];
  const r = spawnSync(exe, rest, { encoding: 'utf8', env: { ...process.env, DFT_BACKEND: 'wasm' } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

const prepareInto = (out: string) => ['prepare', '--input', input, '--tokenizer', TINY_LLAMA, '--out', out, '--max-length', '128'];

describe('OS errors of the output folder, in plain words', () => {
  it('an --out below a file: exit 1 naming the file, for prepare, train and eval', () => {
    const file = join(tmp.dir, 'a-file');
    writeFileSync(file, 'x');
    const out = join(file, 'run');
    const want = `--out ${out}: ${file} is a file, not a folder`;
    expect(dftIn('', prepareInto(out))).toMatchObject({ code: 1, err: `dft prepare: error: ${want}\n` });
    const train = dftIn('', ['train', '--model', TINY_LLAMA, '--data', input, '--out', out, '--method', 'sft']);
    expect(train).toMatchObject({ code: 1, err: `dft train: error: ${want}\n` });
    const ev = dftIn('', ['eval', '--model', TINY_LLAMA, '--tasks', 'xcopa:zh', '--limit', '2', '--eval-data-dir', EVAL_DATA, '--out', file]);
    expect(ev).toMatchObject({ code: 1, err: `dft eval: error: --out ${file}: ${file} is a file, not a folder\n` });
  });

  it.skipIf(!canMount)('a read-only --out (EROFS): named with its cause, and dft eval finds it before evaluating', () => {
    const ro = join(tmp.dir, 'read-only');
    mkdirSync(ro);
    const readOnly = `mount --bind ${ro} ${ro} && mount -o remount,ro,bind ${ro}`;
    const prep = dftIn(readOnly, prepareInto(join(ro, 'data')));
    expect(prep).toMatchObject({ code: 1, err: `dft prepare: error: --out ${join(ro, 'data')}: cannot create folder ${join(ro, 'data')}: the file system is read-only (EROFS)\n` });
    const ev = dftIn(readOnly, ['eval', '--model', TINY_LLAMA, '--tasks', 'xcopa:zh', '--limit', '2', '--eval-data-dir', EVAL_DATA, '--out', ro]);
    // The lock file is the first thing written: the folder exists, so creating the lock meets EROFS.
    expect(ev.code).toBe(1);
    expect(ev.err).toMatch(new RegExp(`^dft eval: error: --out ${ro}: cannot open ${ro}/\\.\\.dft-lock\\.\\d+\\.[0-9a-f]{8}\\.tmp: the file system is read-only \\(EROFS\\)\\n$`));
    expect(ev.err).not.toContain('eval xcopa'); // no evaluation was started
    expect(readdirSync(ro)).toEqual([]);
  });

  it.skipIf(!canMount)('a full disk (ENOSPC): named with its cause, nothing printed, no result, temporary file or lock left', () => {
    const small = join(tmp.dir, 'small');
    mkdirSync(small);
    const predictions = join(tmp.dir, 'predictions.jsonl');
    const questions = JSON.parse(readFileSync(join(EVAL_DATA, 'xquad', 'xquad.zh.json'), 'utf8')) as { data: { paragraphs: { qas: { id: string }[] }[] }[] };
    const ids = questions.data.flatMap((a) => a.paragraphs.flatMap((p) => p.qas.map((q) => q.id))).slice(0, 12);
    writeFileSync(predictions, ids.map((id) => JSON.stringify({ id, prediction: 'x' })).join('\n') + '\n');
    // 16 kB with 12 kB taken: the lock file gets the last page, the results file finds the disk full.
    const full = `mount -t tmpfs -o size=16k tmpfs ${small} && head -c 12288 /dev/zero > ${small}/filler`;
    const r = dftIn(full, ['eval', '--tasks', 'xquad:zh', '--predictions', predictions, '--eval-data-dir', EVAL_DATA, '--out', small, '--name', 'p'], [], `ls -A ${small}`);
    expect(r.code).toBe(1);
    // The first file written is the harness results file; whichever write fails, the files of the run go again.
    expect(r.err).toMatch(new RegExp(`^dft eval: error: cannot write ${small}/(eval-p|results_[0-9T.-]+)\\.json \\(ENOSPC: .*\\): no space left on the device\\n$`));
    expect(r.out).toBe('filler\n'); // the child's `ls -A` of the folder: only the filler
  });

  it.skipIf(!canMount)('a full disk during dft prepare: the Arrow file is named with its cause; no split, temporary file or lock left', () => {
    const small = join(tmp.dir, 'small-prepare');
    mkdirSync(small);
    // 64 kB: room for the lock and the start of train.arrow, whose streamed write then finds the disk full.
    const r = dftIn(`mount -t tmpfs -o size=64k tmpfs ${small}`, ['prepare', '--input', SLICE, '--tokenizer', TINY_LLAMA, '--out', join(small, 'data'), '--max-length', '128'], [], `ls -A ${small}/data`);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(new RegExp(`^dft prepare: error: ${small}/data/train\\.arrow: write failed \\(ENOSPC: .*\\): no space left on the device\\n$`));
    expect(r.out).toBe(''); // the child's `ls -A` of the output folder: empty
  });

  it.skipIf(!canSetpriv && isRoot)('a folder without write permission (EACCES): named with its cause', () => {
    const locked = join(tmp.dir, 'no-write');
    mkdirSync(locked, { mode: 0o755 });
    if (!isRoot) chmodSync(locked, 0o555);
    const asNobody = isRoot ? ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups'] : [];
    const r = dftIn('', prepareInto(join(locked, 'data')), asNobody);
    expect(r).toMatchObject({ code: 1, err: `dft prepare: error: --out ${join(locked, 'data')}: cannot create folder ${join(locked, 'data')}: permission denied (EACCES)\n` });
    expect(existsSync(join(locked, 'data'))).toBe(false);
  });
});
