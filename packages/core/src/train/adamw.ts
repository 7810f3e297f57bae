import * as tf from '@tensorflow/tfjs-core';
import { adamwUpdate } from '@dft/ops';
import type { Communicator } from '../distributed/communicator.js';
import { paramSlices, type ParamSlice } from './param-slices.js';

export interface AdamWOptions {
  beta1?: number;
  beta2?: number;
  eps?: number;
  /** Decoupled weight decay (PyTorch AdamW), applied as p ← p − lr·wd·p before the Adam update. */
  weightDecay?: number;
  /** Parameters (HF names) exempt from weight decay; default: norm gains, as HF Trainer does. */
  noDecay?: (name: string) => boolean;
  /** ZeRO-1/2: shard the moments over the ranks of a data-parallel group (see `OptimizerShard`). */
  shard?: OptimizerShard;
}

/**
 * The moments are split over the ranks of `comm`: the trainable parameters, flattened and concatenated in `params`
 * order (the same on every rank), are cut into one contiguous block per rank (`paramSlices`); a rank keeps the
 * moments of its block only, updates those elements, and an allgather gives every rank the whole updated model.
 * Checkpoints hold the full moments (gathered when saved), so they resume on any number of ranks.
 */
export interface OptimizerShard {
  comm: Communicator;
  params: readonly { name: string; shape: readonly number[] }[];
}

/** One named tensor of the optimizer state, as checkpoints store it. */
export interface StateTensor {
  name: string;
  shape: number[];
  data: Float32Array;
}

/** Moments of one parameter. */
interface Moments {
  m: tf.Variable;
  v: tf.Variable;
}

/**
 * AdamW with decoupled weight decay and bias correction, as `torch.optim.AdamW`:
 * p ← p·(1 − lr·wd); m ← β₁m + (1−β₁)g; v ← β₂v + (1−β₂)g²; p ← p − lr·m̂/(√v̂ + ε).
 * Each parameter's step is @dft/ops' `adamwUpdate`: one fused kernel where the backend registers `DftAdamW`, tfjs
 * ops elsewhere (over blocks of rows: scratch ≤ 2 × the parameter, 3 × when it is one block).
 */
export class AdamW {
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  readonly weightDecay: number;
  private readonly noDecay: (name: string) => boolean;
  private readonly moments = new Map<string, Moments>();
  private readonly shard?: OptimizerShard & { slices: ParamSlice[] };
  /** Number of updates applied (the t of the bias correction). */
  step = 0;

  constructor(opts: AdamWOptions = {}) {
    this.beta1 = opts.beta1 ?? 0.9;
    this.beta2 = opts.beta2 ?? 0.999;
    this.eps = opts.eps ?? 1e-8;
    this.weightDecay = opts.weightDecay ?? 0;
    this.noDecay = opts.noDecay ?? ((name) => /norm\.weight$/.test(name));
    if (opts.shard) {
      const { comm, params } = opts.shard;
      const sizes = params.map((p) => ({ name: p.name, size: tf.util.sizeFromShape([...p.shape]) }));
      this.shard = { ...opts.shard, slices: paramSlices(sizes, comm.worldSize, comm.rank) };
    }
  }

  /** The parameter slices whose moments this optimizer holds and updates (all of each parameter when unsharded). */
  get slices(): readonly ParamSlice[] | undefined {
    return this.shard?.slices;
  }

  /** Bytes of moment tensors this optimizer holds (on this rank). */
  get stateBytes(): number {
    let n = 0;
    for (const s of this.moments.values()) n += 4 * (s.m.size + s.v.size);
    return n;
  }

  private momentsOf(name: string, shape: number[]): Moments {
    let s = this.moments.get(name);
    if (!s) {
      // Inside tidy: the zeros a variable is made from would otherwise outlive the run (one per moment).
      s = tf.tidy(() => ({ m: tf.variable(tf.zeros(shape), false), v: tf.variable(tf.zeros(shape), false) }));
      this.moments.set(name, s);
    }
    return s;
  }

  /** Applies one update with learning rate `lr` to each parameter that has a gradient (unsharded). */
  apply(params: Map<string, tf.Variable>, grads: Map<string, tf.Tensor>, lr: number): void {
    if (this.shard) throw new Error('AdamW: a sharded optimizer updates with applySharded (a collective)');
    this.step++;
    for (const [name, g] of grads) this.update(name, paramOf(params, name), g, lr);
  }

  /**
   * ZeRO: this rank updates the elements of its slices, then the ranks allgather the flattened parameters. The
   * gradients may be whole or just this rank's slices (ZeRO-2). Every rank must call it.
   */
  async applySharded(params: Map<string, tf.Variable>, grads: Map<string, tf.Tensor>, lr: number): Promise<void> {
    const shard = this.shard;
    if (!shard) throw new Error('AdamW: applySharded needs the shard option');
    this.step++;
    const names = shard.params.map((p) => p.name);
    // Copies (on cpu dataSync is the tensor's own storage, which the allgather must not write into).
    const flat = names.map((n) => (paramOf(params, n).dataSync() as Float32Array).slice());
    for (const { name, start, length } of shard.slices) {
      const g = grads.get(name);
      if (!g) throw new Error(`AdamW: no gradient for ${name}, whose slice this rank updates`);
      const part = tf.tidy(() => tf.variable(tf.slice(tf.reshape(paramOf(params, name), [-1]), start, length), false));
      const gPart = tf.tidy(() => (g.size === length ? tf.reshape(g, [length]) : tf.slice(tf.reshape(g, [-1]), start, length)));
      this.update(name, part, gPart, lr);
      flat[names.indexOf(name)]!.set(part.dataSync(), start);
      part.dispose();
      gPart.dispose();
    }
    await shard.comm.allgather(flat);
    names.forEach((n, i) => {
      const p = paramOf(params, n);
      tf.tidy(() => p.assign(tf.tensor(flat[i]!, p.shape, 'float32')));
    });
  }

  /** One AdamW update of `p` in place (a whole parameter, or a rank's slice of one under ZeRO) from gradient `g`. */
  private update(name: string, p: tf.Variable, g: tf.Tensor, lr: number): void {
    const s = this.momentsOf(name, p.shape);
    const weightDecay = this.noDecay(name) ? 0 : this.weightDecay;
    adamwUpdate(p, s.m, s.v, g, { lr, beta1: this.beta1, beta2: this.beta2, eps: this.eps, step: this.step, weightDecay });
  }

  /**
   * Moments as plain arrays (for checkpoints): `exp_avg.<name>` / `exp_avg_sq.<name>`, PyTorch's state names, whole
   * parameters' shapes. Sharded, the full moments are allgathered: every rank must call it.
   */
  async stateTensors(): Promise<StateTensor[]> {
    if (this.shard) return this.gatheredState(this.shard);
    const out: StateTensor[] = [];
    for (const [name, s] of [...this.moments].sort(([a], [b]) => (a < b ? -1 : 1))) {
      out.push({ name: `exp_avg.${name}`, shape: s.m.shape, data: s.m.dataSync() as Float32Array });
      out.push({ name: `exp_avg_sq.${name}`, shape: s.v.shape, data: s.v.dataSync() as Float32Array });
    }
    return out;
  }

  private async gatheredState(shard: NonNullable<AdamW['shard']>): Promise<StateTensor[]> {
    // Before the first update no rank holds moments; all agree on that (the step count is the same everywhere).
    if (this.step === 0) return [];
    const exp = shard.params.map((p) => {
      const size = tf.util.sizeFromShape([...p.shape]);
      return { name: p.name, shape: [...p.shape], m: new Float32Array(size), v: new Float32Array(size) };
    });
    for (const { name, start } of shard.slices) {
      const s = this.moments.get(name)!;
      const at = exp.find((p) => p.name === name)!;
      at.m.set(s.m.dataSync(), start);
      at.v.set(s.v.dataSync(), start);
    }
    // Two calls: each cuts its arrays into the same rank blocks as the flattened parameters.
    await shard.comm.allgather(exp.map((p) => p.m));
    await shard.comm.allgather(exp.map((p) => p.v));
    return [...exp]
      .sort((a, b) => (a.name < b.name ? -1 : 1))
      .flatMap((p) => [
        { name: `exp_avg.${p.name}`, shape: p.shape, data: p.m },
        { name: `exp_avg_sq.${p.name}`, shape: p.shape, data: p.v },
      ]);
  }

  /**
   * Restores moments written by `stateTensors` and the step count. Sharded, each rank takes its slices of the full
   * moments, so a checkpoint written by any number of ranks resumes on any other.
   */
  loadState(step: number, read: (name: string) => Float32Array | undefined, params: Map<string, tf.Variable>): void {
    this.step = step;
    if (this.shard) {
      for (const { name, start, length } of this.shard.slices) {
        const p = paramOf(params, name);
        const [m, v] = [read(`exp_avg.${name}`), read(`exp_avg_sq.${name}`)];
        if (!m || !v) continue;
        for (const [which, x] of [['exp_avg', m], ['exp_avg_sq', v]] as const) {
          if (x.length !== p.size) throw new Error(`optimizer state ${which}.${name} has ${x.length} values, the parameter ${p.size}`);
        }
        const s = this.momentsOf(name, [length]);
        tf.tidy(() => {
          s.m.assign(tf.tensor(m.subarray(start, start + length)));
          s.v.assign(tf.tensor(v.subarray(start, start + length)));
        });
      }
      return;
    }
    for (const [name, p] of params) {
      const m = read(`exp_avg.${name}`);
      const v = read(`exp_avg_sq.${name}`);
      if (!m || !v) continue;
      const s = this.momentsOf(name, p.shape);
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

function paramOf(params: Map<string, tf.Variable>, name: string): tf.Variable {
  const p = params.get(name);
  if (!p) throw new Error(`AdamW: gradient for unknown parameter ${name}`);
  return p;
}
