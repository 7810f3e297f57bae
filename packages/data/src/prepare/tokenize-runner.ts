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
  run(examples: ParallelExample[]): Promise<TokenizeResult[]>;
  close(): Promise<void>;
}

export interface TokenizeWorkerData {
  tokenizer: TokenizerInit;
  template: PromptTemplate;
  maxLength: number;
}

/**
 * N jobs: this thread and N − 1 worker threads, each taking whole chunks. This thread counts as a job because with
 * the Rust engine its tokenising work is light (the engine runs each batch on its own threads) and a worker costs a
 * tokenizer and a heap of its own.
 */
export function tokenizeRunner(tok: Tokenizer, template: PromptTemplate, maxLength: number, jobs: number): TokenizeRunner {
  const here = new ExampleTokenizer(tok, template, maxLength);
  if (jobs === 1) return { run: (examples) => here.tokenizeBatch(examples), close: async () => undefined };
  return new WorkerPool(jobs - 1, { tokenizer: tok.init, template, maxLength }, here);
}

/** The compiled worker script; tests run this package from its sources, where the built one is used. */
function workerScript(): string {
  const fromSource = import.meta.url.endsWith('.ts');
  const path = fileURLToPath(new URL(fromSource ? '../../dist/prepare/tokenize-worker.js' : './tokenize-worker.js', import.meta.url));
  if (!existsSync(path)) throw new Error(`prepare: ${path} is missing (build @dft/data first: pnpm build), needed for jobs > 1`);
  return path;
}

interface Pending {
  resolve: (r: TokenizeResult[]) => void;
  reject: (e: Error) => void;
}

class WorkerPool implements TokenizeRunner {
  private readonly workers: { worker: Worker; pending: Map<number, Pending> }[] = [];
  private nextId = 0;
  private failed: Error | null = null;
  /** Chunks this thread is tokenising now. */
  private hereBusy = 0;

  constructor(
    workers: number,
    data: TokenizeWorkerData,
    private readonly here: ExampleTokenizer,
  ) {
    const script = workerScript();
    for (let i = 0; i < workers; i++) {
      const worker = new Worker(script, { workerData: data });
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
      this.workers.push({ worker, pending });
    }
  }

  run(examples: ParallelExample[]): Promise<TokenizeResult[]> {
    if (this.failed) return Promise.reject(this.failed);
    // The least busy job takes the chunk, a worker on a tie (this thread also reads and writes); the caller
    // awaits chunks in its own order, so the output does not depend on which job took which.
    const w = this.workers.reduce((a, b) => (b.pending.size < a.pending.size ? b : a));
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

  async close(): Promise<void> {
    await Promise.all(this.workers.map(({ worker }) => worker.terminate()));
  }
}
