import * as tf from '@tensorflow/tfjs-core';
import type { Llama3Rope, RopeSettings } from './rope-config.js';

/** Default inverse frequencies `1 / θ^(2i/d)`, rounded to float32 as transformers computes them. */
function baseFrequencies(theta: number, headDim: number): Float32Array {
  const half = headDim / 2;
  const inv = new Float32Array(half);
  for (let i = 0; i < half; i++) inv[i] = 1 / Math.pow(theta, Math.fround((2 * i) / headDim));
  return inv;
}

/**
 * Inverse frequencies of a pass whose longest row reaches `seqLen` positions (only dynamic NTK depends on it), as
 * transformers' RoPE initialisers compute them for `default`, `linear`, `dynamic` and `llama3`.
 * Dynamic NTK is decided per pass from that pass's positions, as a freshly loaded transformers model does;
 * transformers additionally keeps a grown table across later, shorter calls, an order dependence not reproduced.
 */
export function inverseFrequencies(rope: RopeSettings, headDim: number, seqLen = 0): Float32Array {
  switch (rope.type) {
    case 'default':
      return baseFrequencies(rope.theta, headDim);
    case 'linear':
      return baseFrequencies(rope.theta, headDim).map((f) => f / rope.factor);
    case 'dynamic': {
      const len = Math.max(seqLen, rope.maxPositionEmbeddings);
      const growth = (rope.factor * len) / rope.maxPositionEmbeddings - (rope.factor - 1);
      return baseFrequencies(Math.fround(rope.theta * Math.pow(growth, headDim / (headDim - 2))), headDim);
    }
    case 'llama3':
      return llama3Frequencies(rope, headDim);
  }
}

function llama3Frequencies(s: Llama3Rope, headDim: number): Float32Array {
  const inv = baseFrequencies(s.theta, headDim);
  const lowWavelen = s.originalMaxPositionEmbeddings / s.lowFreqFactor;
  const highWavelen = s.originalMaxPositionEmbeddings / s.highFreqFactor;
  for (let i = 0; i < inv.length; i++) {
    const wavelen = (2 * Math.PI) / inv[i];
    if (wavelen > lowWavelen) inv[i] = inv[i] / s.factor;
    else if (wavelen >= highWavelen) {
      const smooth = (s.originalMaxPositionEmbeddings / wavelen - s.lowFreqFactor) / (s.highFreqFactor - s.lowFreqFactor);
      inv[i] = (1 - smooth) * (inv[i] / s.factor) + smooth * inv[i];
    }
  }
  return inv;
}

/** cos/sin tables `[batch, time, 1, headDim]` for the given positions (`[batch * time]`). */
export function ropeTables(invFreq: Float32Array, positions: Int32Array, batch: number, time: number) {
  const half = invFreq.length;
  const d = 2 * half;
  const cos = new Float32Array(batch * time * d);
  const sin = new Float32Array(batch * time * d);
  for (let r = 0; r < batch * time; r++) {
    const p = positions[r];
    for (let i = 0; i < half; i++) {
      const angle = Math.fround(p * invFreq[i]);
      const c = Math.cos(angle);
      const s = Math.sin(angle);
      cos[r * d + i] = c;
      cos[r * d + half + i] = c;
      sin[r * d + i] = s;
      sin[r * d + half + i] = s;
    }
  }
  return {
    cos: tf.tensor4d(cos, [batch, time, 1, d]),
    sin: tf.tensor4d(sin, [batch, time, 1, d]),
  };
}

/** Rotate-half RoPE on `[batch, time, heads, headDim]`: x·cos + rotate_half(x)·sin, rotate_half = [−x₂, x₁]. */
export function applyRope(x: tf.Tensor4D, cos: tf.Tensor4D, sin: tf.Tensor4D): tf.Tensor4D {
  const half = x.shape[3] / 2;
  const [x1, x2] = tf.split(x, [half, half], 3);
  const rotated = tf.concat([tf.neg(x2), x1], 3);
  return tf.add(tf.mul(x, cos), tf.mul(rotated, sin));
}
