import { mkdirSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import { Tokenizer } from '@dft/tokenizer';
import { writeFileAtomic } from '@dft/util';
import { ArrowStreamSink } from './arrow-stream-sink.js';
import { RecordBatchBuilder } from './record-batch-builder.js';
import { LAYOUT_VERSION, splitSchema } from '../columns.js';
import { readExamples } from '../read/examples.js';
import { sha256File } from '../read/file-hash.js';
import { isEmptyExample } from '../read/records.js';
import type { FormatOption } from '../read/sources.js';
import { detectFormat, expandInputs } from '../read/sources.js';
import type { SplitName } from './split.js';
import { splitOf } from './split.js';
import type { PromptTemplate } from './templates.js';
import { resolveTemplate } from './templates.js';
import type { ParallelExample } from '../read/records.js';
import type { ReadProgress } from '../read/sources.js';
import type { TokenizeResult, TruncatableKind } from './tokenize-example.js';
import { tokenizeRunner } from './tokenize-runner.js';
import { OrderedChunks } from './ordered-chunks.js';

export interface PrepareOptions {
  /** Files or directories: the parallel en_* and <lang>_* form, or Alpaca files (English; see targetInput). */
  input: string | string[];
  /** Row-aligned translated Alpaca files (the two-file form); needs `lang`. */
  targetInput?: string | string[];
  /** Language of `targetInput`. */
  lang?: string;
  /** Languages to keep from the parallel form (default: all present). */
  languages?: string[];
  /** Input format; default from the file extension. */
  format?: FormatOption;
  /** A tokenizer, or a model directory holding tokenizer.json. */
  tokenizer: Tokenizer | string;
  /** Output directory: `<split>.arrow` files and `dataset.json`. */
  outDir: string;
  /** Template name (`alpaca`) or a custom template. Default `alpaca`. */
  template?: string | PromptTemplate;
  /** Longest sequence in tokens, BOS and EOS included. Default 512 (the paper's). */
  maxLength?: number;
  /** Keep only rows whose translation score (when present) is at least this. */
  minScore?: number;
  /** Fraction of ids hashed into the validation split (0 = no validation file). Default 0. */
  validationFraction?: number;
  /** Salt of the split hash. Default ''. */
  splitSeed?: string;
  /** Rows per Arrow record batch (the unit of lazy reading). Default 1000. */
  rowsPerBatch?: number;
  /** Read at most this many source records (for slices and smoke runs). */
  limit?: number;
  /**
   * Tokenising jobs (default: the number of cores); the output is the same for any number. Rust engine: encode calls
   * in flight at once on one tokenizer (the engine spreads each over the cores); JS engine: this thread and
   * `jobs - 1` worker threads.
   */
  jobs?: number;
  /** Called after each chunk of examples is written. */
  onProgress?: (p: PrepareProgress) => void;
}

export interface PrepareProgress {
  /** Source records read and rows written so far. */
  records: number;
  written: number;
  /** Bytes of the input files read so far, of `totalBytes` (the target files of the two-file form not counted). */
  bytesRead: number;
  totalBytes: number;
}

/**
 * Examples tokenised together: one batch call into the engine, one message to a worker. Small, because what a
 * chunk in flight holds is large: the Rust engine's encodings (ids, offsets and a string per token) stay allocated
 * until the garbage collector frees their JS handles. On the 52k en–zh set with two jobs, 256 examples per chunk
 * peaked at 450–500 MiB RSS and 64 at 320 MiB, for the same CPU time.
 */
const CHUNK = 64;

export interface PrepareCounts {
  /** Source records read (a parallel record with two languages is one record). */
  records: number;
  /** Examples (record × language) seen. */
  examples: number;
  written: number;
  perSplit: Record<SplitName, number>;
  perLang: Record<string, number>;
  skippedEmpty: number;
  filteredScore: number;
  /** Dropped because a prompt alone reaches maxLength (prompts are never cut). */
  droppedTooLong: number;
  /** Examples with at least one continuation cut to fit maxLength. */
  truncated: number;
  truncatedByKind: Record<TruncatableKind, number>;
  /** Continuations whose tokens merged across the prompt seam (see TokenizedExample.seamMerges). */
  seamMerges: number;
}

/** What `dataset.json` holds. */
export interface DatasetSidecar {
  format: 'dft-parallel';
  layoutVersion: number;
  createdBy: '@dft/data';
  tokenizer: { sha256: string; bosId: number | null; eosId: number; padId: number; addBos: boolean; vocabSize: number };
  template: PromptTemplate;
  maxLength: number;
  languages: string[];
  minScore: number | null;
  validationFraction: number;
  splitSeed: string;
  splits: Partial<Record<SplitName, string>>;
  counts: PrepareCounts;
  sources: { path: string; format: string; sha256: string; bytes: number; role: 'input' | 'target' }[];
  durationS: number;
}

export interface PrepareSummary extends DatasetSidecar {
  outDir: string;
  /** Absolute paths of the written split files. */
  files: Partial<Record<SplitName, string>>;
  sidecarPath: string;
}

export const SIDECAR_NAME = 'dataset.json';

/** Pad id for batches: the tokenizer's pad token, else EOS (masked out either way). */
export function padIdFor(tok: Tokenizer): number {
  const id = tok.special.padId ?? tok.special.eosId;
  if (id === null) throw new Error('prepare: the tokenizer has neither a pad nor an EOS token');
  return id;
}

/**
 * Reads the sources, tokenises every example (docs/design.md, "Batch layout") and writes one Arrow IPC stream per
 * split (what Hugging Face `datasets.Dataset.from_file` opens) plus a JSON sidecar. Streaming: at most
 * `rowsPerBatch` prepared rows per split and 2 × jobs chunks of examples in tokenisation are held in memory.
 * Nothing appears in `outDir` unless the whole run succeeds (temp files, renamed at the end).
 */
export async function prepareParallel(opts: PrepareOptions): Promise<PrepareSummary> {
  const t0 = performance.now();
  const tok = typeof opts.tokenizer === 'string' ? Tokenizer.fromDir(opts.tokenizer) : opts.tokenizer;
  const template = resolveTemplate(opts.template);
  const maxLength = opts.maxLength ?? 512;
  const validationFraction = opts.validationFraction ?? 0;
  if (!(validationFraction >= 0 && validationFraction < 1))
    throw new Error(`prepare: validationFraction must be in [0, 1), got ${validationFraction}`);
  const rowsPerBatch = opts.rowsPerBatch ?? 1000;
  if (!Number.isInteger(rowsPerBatch) || rowsPerBatch < 1) throw new Error(`prepare: rowsPerBatch must be a positive integer`);
  const splitSeed = opts.splitSeed ?? '';
  const jobs = opts.jobs ?? availableParallelism();
  if (!Number.isInteger(jobs) || jobs < 1) throw new Error(`prepare: jobs must be a positive integer, got ${jobs}`);

  const files = expandInputs(opts.input);
  const targetFiles = opts.targetInput !== undefined ? expandInputs(opts.targetInput) : undefined;
  const sources: DatasetSidecar['sources'] = [];
  for (const [role, list] of [['input', files], ['target', targetFiles ?? []]] as const)
    for (const f of list) sources.push({ path: resolve(f), format: await detectFormat(f, opts.format), ...(await sha256File(f)), role });

  const outDir = resolve(opts.outDir);
  mkdirSync(outDir, { recursive: true });
  const splitNames: SplitName[] = validationFraction > 0 ? ['train', 'validation'] : ['train'];
  const tokenizerInfo = {
    sha256: tok.hash,
    bosId: tok.special.addBos ? tok.special.bosId : null,
    eosId: tok.special.eosId!,
    padId: padIdFor(tok),
    addBos: tok.special.addBos,
    vocabSize: tok.vocabSize,
  };
  const sinks = new Map<SplitName, { sink: ArrowStreamSink; builder: RecordBatchBuilder }>();
  for (const split of splitNames) {
    const schema = splitSchema({ layoutVersion: LAYOUT_VERSION, split, tokenizer: tokenizerInfo, template, maxLength });
    sinks.set(split, { sink: new ArrowStreamSink(join(outDir, `${split}.arrow`), schema), builder: new RecordBatchBuilder(schema) });
  }

  const counts: PrepareCounts = {
    records: 0,
    examples: 0,
    written: 0,
    perSplit: { train: 0, validation: 0 },
    perLang: {},
    skippedEmpty: 0,
    filteredScore: 0,
    droppedTooLong: 0,
    truncated: 0,
    truncatedByKind: { tft: 0, lc: 0, et: 0, sft: 0 },
    seamMerges: 0,
  };
  const languages = new Set<string>();
  const stats = { records: 0 };
  const read: ReadProgress = { totalBytes: sources.filter((x) => x.role === 'input').reduce((a, x) => a + x.bytes, 0), bytesRead: 0 };
  const sidecarPath = join(outDir, SIDECAR_NAME);
  const runner = tokenizeRunner(tok, template, maxLength, jobs);
  // Rows are written in the order the chunks were read, so the output does not depend on how many jobs tokenise or
  // which finishes first; 2 × jobs chunks in flight keep every job busy while the oldest is written.
  const chunks = new OrderedChunks(2 * jobs, (examples: ParallelExample[]) => runner.run(examples), async (examples, done: TokenizeResult[]) => {
    for (let i = 0; i < examples.length; i++) {
      const ex = examples[i]!;
      const r = done[i]!;
      if (!r.ok) {
        counts.droppedTooLong++;
        continue;
      }
      const t = r.value;
      if (t.truncated.length > 0) counts.truncated++;
      for (const k of t.truncated) counts.truncatedByKind[k]++;
      counts.seamMerges += t.seamMerges;
      const split = splitOf(ex.id, validationFraction, splitSeed);
      const s = sinks.get(split)!;
      s.builder.push(ex, t);
      if (s.builder.length >= rowsPerBatch) await s.sink.write(s.builder.flush());
      counts.written++;
      counts.perSplit[split]++;
      counts.perLang[ex.lang] = (counts.perLang[ex.lang] ?? 0) + 1;
      languages.add(ex.lang);
    }
    opts.onProgress?.({ records: stats.records, written: counts.written, bytesRead: read.bytesRead, totalBytes: read.totalBytes });
  });
  try {
    let chunk: ParallelExample[] = [];
    const source = { files, targetFiles, lang: opts.lang, languages: opts.languages, format: opts.format, progress: read };
    for await (const ex of readExamples(source, stats)) {
      if (opts.limit !== undefined && stats.records > opts.limit) break;
      counts.examples++;
      if (isEmptyExample(ex)) {
        counts.skippedEmpty++;
        continue;
      }
      if (opts.minScore !== undefined && ex.score !== undefined && ex.score < opts.minScore) {
        counts.filteredScore++;
        continue;
      }
      chunk.push(ex);
      if (chunk.length === CHUNK) {
        await chunks.submit(chunk);
        chunk = [];
      }
    }
    if (chunk.length > 0) await chunks.submit(chunk);
    await chunks.drain();
    counts.records = Math.min(stats.records, opts.limit ?? Infinity);
    if (counts.records === 0) throw new Error(`prepare: empty input: ${files.join(', ')} hold no records`);
    if (counts.written === 0)
      throw new Error(
        `prepare: no rows left to write (read ${counts.records} records: ${counts.skippedEmpty} empty, ` +
          `${counts.filteredScore} below minScore, ${counts.droppedTooLong} with a prompt of maxLength ${maxLength} tokens or more)`,
      );
    for (const { sink, builder } of sinks.values()) {
      // A split always gets at least one (possibly empty) record batch so its file carries the schema.
      if (builder.length > 0 || sink.rows === 0) await sink.write(builder.flush());
      await sink.close();
    }
  } catch (e) {
    for (const { sink } of sinks.values()) await sink.abort();
    throw e;
  } finally {
    await runner.close();
  }
  const splits: Partial<Record<SplitName, string>> = {};
  const out: Partial<Record<SplitName, string>> = {};
  for (const [split, { sink }] of sinks) {
    sink.commit();
    splits[split] = `${split}.arrow`;
    out[split] = sink.finalPath;
  }
  const sidecar: DatasetSidecar = {
    format: 'dft-parallel',
    layoutVersion: LAYOUT_VERSION,
    createdBy: '@dft/data',
    tokenizer: tokenizerInfo,
    template,
    maxLength,
    languages: [...languages].sort(),
    minScore: opts.minScore ?? null,
    validationFraction,
    splitSeed,
    splits,
    counts,
    sources,
    durationS: (performance.now() - t0) / 1000,
  };
  writeFileAtomic(sidecarPath, JSON.stringify(sidecar, null, 2) + '\n');
  return { ...sidecar, outDir, files: out, sidecarPath };
}
