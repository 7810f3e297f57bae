import * as tf from '@tensorflow/tfjs-core';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { availableBackends, selectBackend, type BackendName } from '../backend/select-backend.js';
import { TENSORFLOW_HINT } from '../backend/tensorflow/start.js';
import type { CausalLM } from '../model/model.js';

/** Repository folder of the tiny reference checkpoints. */
export const FIXTURES = fileURLToPath(new URL('../../../../fixtures/models/', import.meta.url));
export const TINY_LLAMA = FIXTURES + 'tiny-llama';
export const TINY_GEMMA2 = FIXTURES + 'tiny-gemma2';

/**
 * The backends every model test runs on: cpu, wasm, native when its BLAS addon is built and tensorflow when
 * tfjs-node is there (tests name their backend, so `vitest -t tensorflow` runs the tensorflow ones alone).
 */
export const TEST_BACKENDS: BackendName[] = testBackends();

function testBackends(): BackendName[] {
  const available = availableBackends();
  if (!available.includes('tensorflow')) console.warn(`tensorflow backend tests skipped: no tfjs-node here (${TENSORFLOW_HINT})`);
  return (['cpu', 'wasm', 'native', 'tensorflow'] as const).filter((b) => available.includes(b));
}

export async function useBackend(name: BackendName): Promise<void> {
  await selectBackend({ prefer: name, log: null });
}

export interface Reference {
  sequences: number[][];
  logits?: number[][][];
  logits_last2?: { positions: number[]; values: number[][] }[];
  top5: { ids: number[]; values: number[] }[][];
  logsumexp: number[][];
  nll_per_token: number[][];
  nll_mean: number[];
  hidden_states: { positions: number[]; values: number[][][]; last_layer_output_prenorm: number[][]; sequence_index: number };
}

export function readReference(dir: string): Reference {
  return JSON.parse(readFileSync(`${dir}/reference.json`, 'utf8')) as Reference;
}

/** Largest violation of |a − ref| ≤ 2e-4 + 1e-5·|ref| (≤ 0 means within tolerance), and where it happened. */
export function toleranceExcess(actual: ArrayLike<number>, ref: ArrayLike<number>): { excess: number; at: number } {
  if (actual.length !== ref.length) throw new Error(`length ${actual.length} vs reference ${ref.length}`);
  let worst = { excess: -Infinity, at: -1 };
  for (let i = 0; i < ref.length; i++) {
    const excess = Math.abs(actual[i] - ref[i]) - (2e-4 + 1e-5 * Math.abs(ref[i]));
    if (!(excess <= worst.excess)) worst = { excess: Number.isNaN(excess) ? Infinity : excess, at: i };
  }
  return worst;
}

/** Computes a tensor inside tf.tidy and reads it outside (tidy would walk every element of a returned array). */
export function read(compute: () => tf.Tensor): Float32Array {
  const t = tf.tidy(compute);
  const data = t.dataSync() as Float32Array;
  t.dispose();
  return data;
}

/**
 * Records the decoder layers (0-based) `model` computes, in call order, forward passes and backward replays alike:
 * its private per-layer method is wrapped on this instance until `restore()`.
 */
export function spyOnLayers(model: CausalLM): { ran: number[]; restore: () => void } {
  type Layer = (i: number, ...rest: unknown[]) => tf.Tensor3D;
  const instance = model as unknown as { layer: Layer };
  const layer = instance.layer;
  if (typeof layer !== 'function') throw new Error('spyOnLayers: CausalLM has no per-layer method "layer" any more');
  const ran: number[] = [];
  instance.layer = function (this: CausalLM, i, ...rest) {
    ran.push(i);
    return layer.call(this, i, ...rest);
  };
  return { ran, restore: () => void delete (instance as Partial<typeof instance>).layer };
}
