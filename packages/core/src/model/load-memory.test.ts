import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { openCheckpoint } from '../checkpoint/checkpoint.js';
import { TINY_GEMMA2, TINY_LLAMA, useBackend } from '../test-utils/fixtures.js';
import { withPeakBytes } from '../train/peak-bytes.js';
import { loadPretrained } from './pretrained.js';

/** Float32 bytes of every tensor of a checkpoint, and of its largest. */
function weightBytes(dir: string): { total: number; largest: number } {
  const ckpt = openCheckpoint(dir);
  try {
    const sizes = ckpt.names.map((n) => 4 * ckpt.info(n).shape.reduce((a, b) => a * b, 1));
    return { total: sizes.reduce((a, b) => a + b, 0), largest: Math.max(...sizes) };
  } finally {
    ckpt.close();
  }
}

describe('loading holds one copy of the weights', () => {
  beforeAll(() => useBackend('cpu'));

  it.each([
    ['tiny-llama', TINY_LLAMA],
    ['tiny-gemma2', TINY_GEMMA2],
  ])('%s: tensor bytes peak at most the weights plus one tensor, and end at the weights', async (_, dir) => {
    const { total, largest } = weightBytes(dir);
    const before = tf.memory().numBytes;
    const { result, peakBytes } = await withPeakBytes(() => loadPretrained(dir));
    try {
      expect(tf.memory().numBytes - before).toBe(total);
      expect(peakBytes - before).toBeLessThanOrEqual(total + largest);
      // Not trivially: the tensors were really read (more than the largest alone).
      expect(peakBytes - before).toBeGreaterThan(largest);
    } finally {
      result.model.dispose();
    }
  });
});
