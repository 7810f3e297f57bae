import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCli } from '../cli.js';

/** Repository root (tests run from sources, so this file sits at packages/cli/src/test-utils). */
export const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
export const TINY_LLAMA = join(ROOT, 'fixtures', 'models', 'tiny-llama');
/** The 300-row en–zh Alpaca slice and the eval slices bundled for the main job. */
export const SLICE = join(ROOT, 'examples', 'data', 'alpaca-en-zh-300.json');
export const EVAL_DATA = join(ROOT, 'examples', 'data', 'eval');
/** The built CLI, for the tests that need a real process (exit codes, signals). */
export const BIN = join(ROOT, 'packages', 'cli', 'dist', 'bin.js');

export interface CliRun {
  code: number;
  out: string;
  err: string;
}

/** Runs `dft ...args` in this process, capturing what it writes to stdout and stderr. */
export async function dft(...args: string[]): Promise<CliRun> {
  return dftWatching(args, () => {});
}

/** `dft`, calling `onStdout` with each piece of stdout as it is written (e.g. to sample memory after each step). */
export async function dftWatching(args: string[], onStdout: (text: string) => void): Promise<CliRun> {
  const out: string[] = [];
  const err: string[] = [];
  const [o, e] = [process.stdout.write, process.stderr.write];
  process.stdout.write = ((s: string | Uint8Array) => {
    onStdout(String(s));
    return out.push(String(s)) > 0;
  }) as typeof process.stdout.write;
  process.stderr.write = ((s: string | Uint8Array) => err.push(String(s)) > 0) as typeof process.stderr.write;
  try {
    const code = await runCli(args);
    return { code, out: out.join(''), err: err.join('') };
  } finally {
    process.stdout.write = o;
    process.stderr.write = e;
  }
}

/** A fresh temporary folder and its removal. */
export function tempDir(prefix: string): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), `dft-cli-${prefix}-`));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export function readJsonLines<T = Record<string, unknown>>(path: string): T[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as T);
}

export function readJson<T = unknown>(path: string): T {
  return JSON.parse(readFileSync(path, 'utf8')) as T;
}

/** A record of the bundled en–zh slice: the three Alpaca fields in each language. */
type SliceRecord = Record<`${'en' | 'zh'}_${'instruction' | 'input' | 'output'}`, string>;

/**
 * Writes the first `n` records of the bundled slice that have no input and short texts (so that a tiny maxLength
 * keeps every one of them whole) to `path`; returns the records.
 */
export function writeShortRecords(path: string, n: number): SliceRecord[] {
  const all = readJson<SliceRecord[]>(SLICE);
  const short = all.filter((r) => !r.en_input && (r.en_instruction + r.en_output).length < 120 && (r.zh_instruction + r.zh_output).length < 60).slice(0, n);
  if (short.length < n) throw new Error(`${SLICE} has only ${short.length} short records, ${n} wanted`);
  writeFileSync(path, JSON.stringify(short));
  return short;
}

/** `n` short records (writeShortRecords) prepared by `dft prepare` with the tiny LLaMA's tokenizer into `<dir>/short`; returns that folder. */
export async function prepareShortRecords(dir: string, n: number, maxLength: number): Promise<string> {
  writeShortRecords(join(dir, 'short.json'), n);
  const r = await dft('prepare', '--input', join(dir, 'short.json'), '--tokenizer', TINY_LLAMA, '--out', join(dir, 'short'), '--max-length', String(maxLength));
  if (r.code !== 0) throw new Error(`dft prepare failed: ${r.err}`);
  return join(dir, 'short');
}

/**
 * `n` records whose sequences all tokenise to the same lengths (digits vary, the pattern does not): with equal
 * label counts per row, a mean over a batch equals the example-weighted mean of its shards' means, so any split of
 * a global batch into micro-batches or workers must give the same losses and weights.
 */
export function writeUniformRecords(path: string, n: number): void {
  const d = (i: number, k: number) => String((i * 7 + k * 3) % 10);
  const rows = Array.from({ length: n }, (_, i) => ({
    en_instruction: `Add ${d(i, 1)} and ${d(i, 2)}`,
    en_input: '',
    en_output: `It is ${d(i, 3)}${d(i, 4)}`,
    zh_instruction: `加 ${d(i, 1)} 和 ${d(i, 2)}`,
    zh_input: '',
    zh_output: `是 ${d(i, 3)}${d(i, 4)}`,
  }));
  writeFileSync(path, JSON.stringify(rows));
}

/** The step folders of a run's output directory. */
export function stepDirs(out: string): string[] {
  if (!existsSync(out)) return [];
  return readdirSync(out).filter((d) => /^step-\d{6}$/.test(d)).sort();
}
