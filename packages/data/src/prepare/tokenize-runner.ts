import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { Tokenizer } from '@dft/tokenizer';
import type { TokenizerInit } from '@dft/tokenizer/internal';
import type { ParallelExample } from '../read/records.js';
import type { PromptTemplate } from './templates.js';
import type { TokenizeResult } from './tokenize-example.js';
import { unpackResults } from './packed-results.js';
import { ExampleTokenizer } from './tokenize-example.js';

/** Tokenises chunks of examples; results come back per chunk, whatever runs them. */
export interface TokenizeRunner {
  /** Worker threads it runs (each with a tokenizer and a V8 heap of its own). */
  readonly workers: number;
  run(examples: ParallelExample[]): Promise<TokenizeResult[]>;
  close(): Promise<void>;
}

export interface TokenizeWorkerData {
  tokenizer: TokenizerInit;
  template: PromptTemplate;
  maxLength: number;
}

/**
 * Where the chunks of N jobs are tokenised. The caller keeps up to 2 × N chunks in flight (OrderedChunks).
 *
 * Rust engine: every chunk on this thread's one tokenizer, as concurrent async encode calls. The engine runs each
 * call off this thread (napi async work on the libuv pool) and spreads its batch over every core itself, so a worker
 * thread adds no tokenising speed, only memory: its own tokenizer, its own V8 heap, and the engine's encodings that
 * wait for that heap's garbage collector to free them. Measured on the 52k en–zh set: with one worker 575 MiB peak
 * RSS, without at the same speed 415 MiB.
 *
 * JS engine (single-threaded): this thread and N − 1 worker threads, each taking whole chunks. This thread counts as
 * a job since it also reads and writes; the pool hands it a chunk only when it is less busy than every worker.
 */
export function tokenizeRunner(tok: Tokenizer, template: PromptTemplate, maxLength: number, jobs: number): TokenizeRunner {
  const here = new ExampleTokenizer(tok, template, maxLength);
  if (jobs === 1 || tok.engine === 'rust') return { workers: 0, run: (examples) => here.tokenizeBatch(examples), close: async () => undefined };
  return new WorkerPool(jobs - 1, { tokenizer: tok.init, template, maxLength }, here);
}

/** The compiled worker script; tests run this package from its sources, where the built one is used. */
function workerScript(): string {
  const fromSource = import.meta.url.endsWith('.ts');
  const path = fileURLToPath(new URL(fromSource ? '../../dist/prepare/tokenize-worker.js' : './tokenize-worker.js', import.meta.url));
  if (!existsSync(path)) throw new Error(`prepare: ${path} is missing (build @dft/data first: pnpm build), needed for jobs > 1`);
  return path;
}

/**
 * A worker's young generation, far below V8's default: the JS engine's short-lived garbage is then collected sooner
 * rather than held in a large nursery. Measured on the 52k set with two jobs (one worker), single runs under load:
 * peak RSS 545 MiB with V8's default, 498–501 MiB with this, for no more CPU time (105 vs 112 s).
 */
const WORKER_YOUNG_GENERATION_MB = 8;

interface Pending {
  resolve: (r: TokenizeResult[]) => void;
  reject: (e: Error) => void;
}

class WorkerPool implements TokenizeRunner {
  private readonly threads: { worker: Worker; pending: Map<number, Pending> }[] = [];
  private nextId = 0;
  private failed: Error | null = null;
  /** Chunks this thread is tokenising now. */
  private hereBusy = 0;

  constructor(
    count: number,
    data: TokenizeWorkerData,
    private readonly here: ExampleTokenizer,
  ) {
    const script = workerScript();
    for (let i = 0; i < count; i++) {
      const worker = new Worker(script, { workerData: data, resourceLimits: { maxYoungGenerationSizeMb: WORKER_YOUNG_GENERATION_MB } });
      const pending = new Map<number, Pending>();
      worker.on('message', (m: { id: number; packed?: Int32Array; error?: string }) => {
        const p = pending.get(m.id)!;
        pending.delete(m.id);
        if (m.error !== undefined) p.reject(new Error(m.error));
        else p.resolve(unpackResults(m.packed!));
      });
      const fail = (e: Error) => {
        this.failed ??= new Error(`prepare: tokenizer worker ${i} failed (${e.message})`);
        for (const p of pending.values()) p.reject(this.failed);
        pending.clear();
      };
      worker.on('error', fail);
      worker.on('exit', (code) => {
        if (code !== 0) fail(new Error(`exit code ${code}`));
      });
      this.threads.push({ worker, pending });
    }
  }

  run(examples: ParallelExample[]): Promise<TokenizeResult[]> {
    if (this.failed) return Promise.reject(this.failed);
    // The least busy job takes the chunk, a worker on a tie (this thread also reads and writes); the caller
    // awaits chunks in its own order, so the output does not depend on which job took which.
    const w = this.threads.reduce((a, b) => (b.pending.size < a.pending.size ? b : a));
    if (this.hereBusy < w.pending.size) {
      this.hereBusy++;
      return this.here.tokenizeBatch(examples).finally(() => this.hereBusy--);
    }
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      w.pending.set(id, { resolve, reject });
      w.worker.postMessage({ id, examples });
    });
  }

  get workers(): number {
    return this.threads.length;
  }

  async close(): Promise<void> {
    await Promise.all(this.threads.map(({ worker }) => worker.terminate()));
  }
}
