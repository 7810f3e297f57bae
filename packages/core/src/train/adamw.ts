import * as tf from '@tensorflow/tfjs-core';
import { fusedKernels } from '../backend/native-module.js';

export interface AdamWOptions {
  beta1?: number;
  beta2?: number;
  eps?: number;
  /** Decoupled weight decay (PyTorch AdamW), applied as p ← p − lr·wd·p before the Adam update. */
  weightDecay?: number;
  /** Parameters (HF names) exempt from weight decay; default: norm gains, as HF Trainer does. */
  noDecay?: (name: string) => boolean;
}

/** Moments of one parameter. */
interface Moments {
  m: tf.Variable;
  v: tf.Variable;
}

/**
 * AdamW with decoupled weight decay and bias correction, as `torch.optim.AdamW`:
 * p ← p·(1 − lr·wd); m ← β₁m + (1−β₁)g; v ← β₂v + (1−β₂)g²; p ← p − lr·m̂/(√v̂ + ε).
 */
export class AdamW {
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  readonly weightDecay: number;
  private readonly noDecay: (name: string) => boolean;
  private readonly moments = new Map<string, Moments>();
  /** Number of updates applied (the t of the bias correction). */
  step = 0;

  constructor(opts: AdamWOptions = {}) {
    this.beta1 = opts.beta1 ?? 0.9;
    this.beta2 = opts.beta2 ?? 0.999;
    this.eps = opts.eps ?? 1e-8;
    this.weightDecay = opts.weightDecay ?? 0;
    this.noDecay = opts.noDecay ?? ((name) => /norm\.weight$/.test(name));
  }

  private momentsOf(name: string, p: tf.Variable): Moments {
    let s = this.moments.get(name);
    if (!s) {
      // Inside tidy: the zeros a variable is made from would otherwise outlive the run (one per moment).
      s = tf.tidy(() => ({ m: tf.variable(tf.zerosLike(p), false), v: tf.variable(tf.zerosLike(p), false) }));
      this.moments.set(name, s);
    }
    return s;
  }

  /** Applies one update with learning rate `lr` to each parameter that has a gradient. */
  apply(params: Map<string, tf.Variable>, grads: Map<string, tf.Tensor>, lr: number): void {
    this.step++;
    const t = this.step;
    const c1 = 1 - Math.pow(this.beta1, t);
    const c2 = 1 - Math.pow(this.beta2, t);
    // On the native backend one fused pass per parameter (in place) replaces the ~10 elementwise ops below.
    const fused = fusedKernels();
    for (const [name, g] of grads) {
      const p = params.get(name);
      if (!p) throw new Error(`AdamW: gradient for unknown parameter ${name}`);
      const s = this.momentsOf(name, p);
      const decay = this.noDecay(name) ? 0 : this.weightDecay;
      if (fused) {
        fused.adamwUpdate(p, s.m, s.v, g, { lr, beta1: this.beta1, beta2: this.beta2, eps: this.eps, step: t, weightDecay: decay });
        continue;
      }
      tf.tidy(() => {
        const m = tf.add(tf.mul(s.m, this.beta1), tf.mul(g, 1 - this.beta1));
        const v = tf.add(tf.mul(s.v, this.beta2), tf.mul(tf.square(g), 1 - this.beta2));
        s.m.assign(m);
        s.v.assign(v);
        const decayed = decay ? tf.mul(p, 1 - lr * decay) : p;
        const update = tf.div(tf.div(m, c1), tf.add(tf.sqrt(tf.div(v, c2)), this.eps));
        p.assign(tf.sub(decayed, tf.mul(update, lr)));
      });
    }
  }

  /** Moments as plain arrays (for checkpoints): `exp_avg.<name>` / `exp_avg_sq.<name>`, PyTorch's state names. */
  stateTensors(): { name: string; shape: number[]; data: Float32Array }[] {
    const out: { name: string; shape: number[]; data: Float32Array }[] = [];
    for (const [name, s] of [...this.moments].sort(([a], [b]) => (a < b ? -1 : 1))) {
      out.push({ name: `exp_avg.${name}`, shape: s.m.shape, data: s.m.dataSync() as Float32Array });
      out.push({ name: `exp_avg_sq.${name}`, shape: s.v.shape, data: s.v.dataSync() as Float32Array });
    }
    return out;
  }

  /** Restores moments written by `stateTensors` and the step count. */
  loadState(step: number, read: (name: string) => Float32Array | undefined, params: Map<string, tf.Variable>): void {
    this.step = step;
    for (const [name, p] of params) {
      const m = read(`exp_avg.${name}`);
      const v = read(`exp_avg_sq.${name}`);
      if (!m || !v) continue;
      const s = this.momentsOf(name, p);
      tf.tidy(() => {
        s.m.assign(tf.tensor(m, p.shape));
        s.v.assign(tf.tensor(v, p.shape));
      });
    }
  }

  dispose(): void {
    for (const s of this.moments.values()) {
      s.m.dispose();
      s.v.dispose();
    }
    this.moments.clear();
  }
}
