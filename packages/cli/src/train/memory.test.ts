import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '@dft/core';
import { dft, dftWatching, tempDir, TINY_LLAMA, writeShortRecords } from '../test-utils/cli-harness.js';

/**
 * No tensor leaks over a run: after every step of each method, tfjs holds the same tensors and bytes (the model,
 * the AdamW moments), and after the job it holds what it held before (everything it made is released).
 * The long-run numbers (RSS over 500 steps) come from bench/memory.mjs.
 */

const STEPS = 50;
let tmp: ReturnType<typeof tempDir>;
let data: string;

beforeAll(async () => {
  // The backend dft train will pick, initialised here so that tf.memory() can be read before the first job.
  await selectBackend({ log: null });
  tmp = tempDir('memory');
  const raw = join(tmp.dir, 'short.json');
  writeShortRecords(raw, 8);
  data = join(tmp.dir, 'short');
  expect((await dft('prepare', '--input', raw, '--tokenizer', TINY_LLAMA, '--out', data, '--max-length', '64')).code).toBe(0);
});
afterAll(() => tmp.remove());

describe.each(['sft', 'tft', 'dft-logits', 'dft-feature'])('%s: tf.memory() over 50 steps', (method) => {
  it('tensors and bytes stay flat from step to step, and return to their level before the job', async () => {
    const before = tf.memory();
    const perStep: { numTensors: number; numBytes: number }[] = [];
    const r = await dftWatching(
      ['train', '--model', TINY_LLAMA, '--data', data, '--out', join(tmp.dir, method), '--method', method, '--lc-layer', '1', '--et-layer', '2',
        '--micro-batch', '1', '--global-batch', '1', '--lr', '1e-3', '--epochs', '100', '--max-steps', String(STEPS), '--save-every', '25', '--keep-last', '1'],
      (text) => {
        for (const line of text.split('\n')) if (line.startsWith('{"event":"step"')) {
          const { numTensors, numBytes } = tf.memory();
          perStep.push({ numTensors, numBytes });
        }
      },
    );
    expect(r.err).not.toMatch(/error/);
    expect(r.code).toBe(0);
    expect(perStep).toHaveLength(STEPS);
    // From the first step on, the moments exist: nothing may be added after it.
    expect(perStep).toEqual(perStep.map(() => perStep[0]));
    const after = tf.memory();
    expect({ numTensors: after.numTensors, numBytes: after.numBytes }).toEqual({ numTensors: before.numTensors, numBytes: before.numBytes });
  }, 600_000);
});
