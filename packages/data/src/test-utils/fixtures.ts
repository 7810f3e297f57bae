import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Tokenizer } from '@dft/tokenizer';
import { afterAll } from 'vitest';
import type { ParallelExample } from '../read/records.js';

/** packages/data/fixtures (small slices of shared/data; see its README for provenance and licence). */
export const FIXTURES = new URL('../../fixtures/', import.meta.url).pathname;
export const PARALLEL_300 = join(FIXTURES, 'alpaca-en-zh-300.json');
export const TINY_LLAMA = new URL('../../../../fixtures/models/tiny-llama', import.meta.url).pathname;

let tok: Tokenizer | undefined;
/** The Llama-2 tokenizer of the tiny-llama fixture, loaded once per test file. */
export function llamaTokenizer(): Tokenizer {
  tok ??= Tokenizer.fromDir(TINY_LLAMA);
  return tok;
}

export interface RawParallel {
  en_instruction: string;
  en_input: string;
  en_output: string;
  zh_instruction: string;
  zh_input: string;
  zh_output: string;
  metadata: { translated: boolean; score: number };
}

export function parallelRows(): RawParallel[] {
  return JSON.parse(readFileSync(PARALLEL_300, 'utf8')) as RawParallel[];
}

/** The first `n` fixture rows as zh examples (ids are their row numbers). */
export function parallelExamples(n: number): ParallelExample[] {
  return parallelRows()
    .slice(0, n)
    .map((r, i) => ({ id: String(i), lang: 'zh', instruction: r.zh_instruction, input: r.zh_input, output: r.zh_output, enInstruction: r.en_instruction, enInput: r.en_input, enOutput: r.en_output }));
}

/** Typed arrays turned into plain ones, deeply, so results unpacked from a worker and the tokenizer's compare by value. */
export const plainArrays = (x: unknown): unknown =>
  ArrayBuffer.isView(x)
    ? Array.from(x as Int32Array)
    : Array.isArray(x)
      ? x.map(plainArrays)
      : x && typeof x === 'object'
        ? Object.fromEntries(Object.entries(x).map(([k, v]) => [k, plainArrays(v)]))
        : x;

/** A fresh temp directory, removed after the file's tests. */
export function tempDir(prefix = 'dft-data-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}
