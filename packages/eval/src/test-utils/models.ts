import * as tf from '@tensorflow/tfjs-core';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { loadPretrained, selectBackend, type CausalLM, type Pretrained } from '@dft/core';
import type { Tokenizer } from '@dft/tokenizer';
import { REPO_ROOT, TINY_LLAMA } from './paths.js';

export const TINY_GEMMA2 = join(REPO_ROOT, 'fixtures', 'models', 'tiny-gemma2');

/** wasm is ~30× faster than cpu for these shapes. */
export async function useWasm(): Promise<void> {
  await selectBackend({ prefer: 'wasm', log: null });
}

export function loadTiny(dir: string): Pretrained {
  return loadPretrained(dir, { log: null });
}

/** The tiny fixture models a suite scores with: tiny-llama with its tokenizer, and tiny-gemma2. */
export interface TinyModels {
  llama: CausalLM;
  gemma: CausalLM;
  tok: Tokenizer;
}

/** Loads the tiny models on wasm before the calling suite's tests and disposes them after (fields set in beforeAll). */
export function useTinyModels(): TinyModels {
  const tiny = {} as TinyModels;
  beforeAll(async () => {
    await useWasm();
    const p = loadTiny(TINY_LLAMA);
    tiny.llama = p.model;
    tiny.tok = p.tokenizer!;
    tiny.gemma = loadTiny(TINY_GEMMA2).model;
  });
  afterAll(() => {
    tiny.llama.dispose();
    tiny.gemma.dispose();
  });
  return tiny;
}

/** Reference: Σ_t log softmax(logits[ctx−1+t])[cont[t]] from one plain forward pass over `ctx ⊕ cont` (full logits). */
export function plainLoglikelihood(model: CausalLM, context: number[], continuation: number[]): number {
  const ids = [...context, ...continuation];
  const picked = tf.tidy(() => {
    const logits = model.forward(tf.tensor2d([ids], [1, ids.length], 'int32')).logits!;
    const logp = tf.logSoftmax(tf.squeeze(logits, [0]));
    const vocab = logp.shape[1]!;
    const flat = continuation.map((tok, t) => (context.length - 1 + t) * vocab + tok);
    return tf.gather(tf.reshape(logp, [-1]), tf.tensor1d(flat, 'int32')).dataSync();
  });
  let sum = 0;
  for (const v of picked) sum += v;
  return sum;
}
