import * as tf from '@tensorflow/tfjs-core';
import type { ForwardOptions, ForwardResult, HookedCausalLM, LmHeadOptions } from '../model.js';
import { stopGradient } from '@dft/ops';

export interface ToyConfig {
  vocab: number;
  dim: number;
  layers: number;
  seed: number;
}

/** One forward call as the toy saw it: the options and the decoder layers (1-based) it executed. */
export interface ToyCall {
  opts: ForwardOptions;
  layersRun: number[];
}

/**
 * A small causal LM in plain tfjs ops implementing the losses' HookedCausalLM contract, with HF hidden-state
 * indexing: embedding -> L residual blocks `x + tanh(causalMean(x) W_k)` -> RMSNorm -> head. It records every
 * forward call so tests can check which passes ran and how deep. Imports nothing from @dft/core.
 */
export class ToyLM implements HookedCausalLM {
  readonly numLayers: number;
  readonly embed: tf.Variable;
  readonly blocks: tf.Variable[];
  readonly normWeight: tf.Variable;
  readonly head: tf.Variable;
  readonly calls: ToyCall[] = [];
  /** The shape of the ids of every embedding lookup (`embedTokens` call, the passes' own included). */
  readonly lookups: number[][] = [];

  constructor(readonly config: ToyConfig) {
    const { vocab, dim, layers, seed } = config;
    this.numLayers = layers;
    this.embed = tf.variable(tf.randomNormal([vocab, dim], 0, 1, 'float32', seed));
    this.blocks = Array.from({ length: layers }, (_, k) =>
      tf.variable(tf.randomNormal([dim, dim], 0, 0.6, 'float32', seed + 1 + k)),
    );
    this.normWeight = tf.variable(tf.add(1, tf.randomNormal([dim], 0, 0.1, 'float32', seed + 100)));
    this.head = tf.variable(tf.randomNormal([dim, vocab], 0, 0.5, 'float32', seed + 101));
  }

  get variables(): tf.Variable[] {
    return [this.embed, ...this.blocks, this.normWeight, this.head];
  }

  forward(ids: tf.Tensor2D, opts: ForwardOptions = {}): ForwardResult {
    const L = this.numLayers;
    const stop = opts.stopAtLayer ?? L;
    if (!Number.isInteger(stop) || stop < 0 || stop > L) throw new Error(`toy forward: stopAtLayer ${stop} out of range`);
    const capture = opts.capture === 'all' ? Array.from({ length: stop + 1 }, (_, k) => k) : [...(opts.capture ?? [])];
    for (const k of capture) {
      if (!Number.isInteger(k) || k < 0 || k > stop) throw new Error(`toy forward: capture ${k} above stopAtLayer ${stop}`);
    }
    const wantLogits = opts.logits ?? stop === L;
    if (wantLogits && stop !== L) throw new Error('toy forward: logits need every layer');
    const call: ToyCall = { opts, layersRun: [] };
    this.calls.push(call);
    const out = tf.tidy(() => {
      const mix = this.causalMixer(ids, opts.attentionMask);
      const states: tf.Tensor3D[] = [];
      let x = opts.inputsEmbeds ?? this.embedTokens(ids);
      states[0] = x;
      for (let k = 1; k <= stop; k++) {
        call.layersRun.push(k);
        x = tf.add(x, tf.tanh(linear(tf.matMul(mix, x), this.blocks[k - 1]!)));
        states[k] = x;
      }
      let logits: tf.Tensor3D | undefined;
      if (stop === L) {
        states[L] = this.norm(x, this.normWeight);
        if (wantLogits) logits = linear(states[L]!, this.head);
      }
      return { kept: capture.map((k) => states[k]!), logits };
    });
    const hidden = new Map<number, tf.Tensor3D>(capture.map((k, i) => [k, out.kept[i]!]));
    return out.logits ? { logits: out.logits, hidden } : { hidden };
  }

  embedTokens(ids: tf.Tensor2D): tf.Tensor3D {
    this.lookups.push(ids.shape);
    return tf.gather(this.embed, tf.cast(ids, 'int32')) as tf.Tensor3D;
  }

  lmHead(h: tf.Tensor3D, opts: LmHeadOptions = {}): tf.Tensor3D {
    return tf.tidy(() => {
      const g = opts.frozen ? stopGradient(this.normWeight) : this.normWeight;
      return this.headOnly(this.norm(h, g), opts);
    });
  }

  logitLens(h: tf.Tensor3D, layer: number, opts: LmHeadOptions = {}): tf.Tensor3D {
    return layer === this.numLayers ? tf.tidy(() => this.headOnly(h, opts)) : this.lmHead(h, opts);
  }

  dispose(): void {
    tf.dispose(this.variables);
  }

  private headOnly(normed: tf.Tensor3D, opts: LmHeadOptions): tf.Tensor3D {
    return linear(normed, opts.frozen ? stopGradient(this.head) : this.head);
  }

  private norm(x: tf.Tensor3D, g: tf.Tensor): tf.Tensor3D {
    return tf.mul(tf.mul(x, tf.rsqrt(tf.add(tf.mean(tf.square(x), -1, true), 1e-5))), g);
  }

  /** `[batch, T, T]`: row t averages the real positions s <= t (padding excluded). */
  private causalMixer(ids: tf.Tensor2D, mask?: tf.Tensor2D): tf.Tensor3D {
    const [batch, time] = ids.shape;
    const lower = tf.linalg.bandPart(tf.ones([time, time]), -1, 0);
    const real = mask ? tf.cast(tf.notEqual(mask, 0), 'float32') : tf.ones([batch, time]);
    const w = tf.mul(tf.expandDims(lower, 0), tf.expandDims(real, 1));
    return tf.div(w, tf.maximum(tf.sum(w, 2, true), 1));
  }
}

function linear(x: tf.Tensor3D, w: tf.Tensor): tf.Tensor3D {
  const [b, t, d] = x.shape;
  return tf.reshape(tf.matMul(tf.reshape(x, [b * t, d]), w as tf.Tensor2D), [b, t, w.shape[1]!]);
}
