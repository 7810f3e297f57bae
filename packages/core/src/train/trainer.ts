import * as tf from '@tensorflow/tfjs-core';
import type { Communicator } from '../distributed/communicator.js';
import { gradientAllReduce, gradientReduceScatter } from '../distributed/gradient-reduce.js';
import { checkReplicas } from '../distributed/replicas.js';
import type { CausalLM } from '../model/model.js';
import { AdamW } from './adamw.js';
import { clipByGlobalNorm, globalNorm, trainableNames } from './grad-utils.js';
import { withPeakBytes } from './peak-bytes.js';
import { learningRate, type ScheduleAnchor, type ScheduleKind } from './lr-schedule.js';
import { variableGrads } from './variable-grads.js';

/** What a loss function returns for one micro-batch: the scalar to minimise and named parts to log. */
export interface LossOutput {
  loss: tf.Scalar;
  terms?: Record<string, tf.Scalar>;
}

/** Any objective over the model and a batch (e.g. `@dft/losses` `dftObjective`). */
export type LossFn<B> = (model: CausalLM, batch: B) => LossOutput;

export interface TrainerOptions {
  lr: number;
  schedule?: ScheduleKind;
  warmupSteps?: number;
  /** Optimizer steps of the whole run (sets the decay horizon). */
  totalSteps: number;
  /** A resumed run with a changed plan continues the schedule from here (see `learningRate`). */
  scheduleFrom?: ScheduleAnchor;
  weightDecay?: number;
  beta1?: number;
  beta2?: number;
  eps?: number;
  /** Global-norm clipping threshold; 0 or undefined = no clipping. */
  maxGradNorm?: number;
  /** HF-name patterns (`*` within a segment, `**` across) of parameters that stay frozen. */
  freeze?: readonly (string | RegExp)[];
  /**
   * Data parallelism over a world of several ranks: every step's gradients, loss and terms become their mean over
   * the ranks weighted by example counts (before clipping and the update), so every replica applies the same update;
   * the replicas are checked to start bit-identical at the first step. Absent or a world of one: no collective.
   */
  comm?: Communicator;
  /**
   * ZeRO stage (DeepSpeed's numbering) over `comm`: 0 (default) replicates the optimizer state; 1 shards the AdamW
   * moments over the ranks (each rank updates its block of the flattened parameters, then an allgather); 2 also
   * reduce-scatters the gradients, so each rank keeps only its block of them after the reduction.
   */
  zeroStage?: ZeroStage;
  /**
   * A custom reduction instead of `comm`'s: called once per step after local accumulation, before clipping and the update, with this
   * worker's gradients (replace the map's entries with the all-reduced ones) and its loss, terms and weight; returns
   * the global loss and terms. Every worker must then hold identical gradients so the replicas stay identical,
   * unless the optimizer is sharded: then the hook may leave only the slices this rank updates (ZeRO-2) and returns
   * the global gradient norm, which this rank alone cannot compute.
   * Asynchronous, so that a collective running off the JavaScript thread does not block it.
   */
  reduce?: (grads: Map<string, tf.Tensor>, local: { loss: number; terms: Record<string, number>; weight: number }) => Promise<{
    loss: number;
    terms: Record<string, number>;
    gradNorm?: number;
  }>;
}

export type ZeroStage = 0 | 1 | 2;

export interface MicroBatch<B> {
  batch: B;
  /** Share of the global batch (e.g. its example count); micro-batch losses are averaged with these weights. */
  weight: number;
}

export interface StepStats {
  /** Optimizer steps completed, this one included. */
  step: number;
  loss: number;
  terms: Record<string, number>;
  lr: number;
  /** Global gradient norm before clipping. */
  gradNorm: number;
  /** Most tensor bytes tfjs held during the step (`tf.memory().numBytes` high-water mark: weights and moments included). */
  peakBytes: number;
}

/** Thrown when a loss or gradient is NaN/Inf; the parameters are left as they were before the step. */
export class NonFiniteLossError extends Error {
  constructor(readonly step: number, readonly value: number, what: string) {
    super(`training diverged at step ${step}: ${what} is ${value} (lower the learning rate or check the data)`);
  }
}

/**
 * One optimizer step at a time: gradients of the loss over the micro-batches of a global batch are accumulated
 * (weighted), clipped by global norm and applied with AdamW at the scheduled learning rate.
 */
export class Trainer<B> {
  readonly optimizer: AdamW;
  readonly trainable: string[];
  private readonly vars: tf.Variable[];
  private readonly reduce: TrainerOptions['reduce'];
  /** Set while a step of a rank without real micro-batches runs: it enters the reduction with weight 0. */
  private standIn = false;
  private replicasChecked = false;

  constructor(
    readonly model: CausalLM,
    readonly lossFn: LossFn<B>,
    readonly opts: TrainerOptions,
  ) {
    const parallel = opts.comm !== undefined && opts.comm.worldSize > 1;
    if (parallel && opts.reduce) throw new Error('trainer: give either options.comm (a world of several ranks) or options.reduce, not both');
    const stage = opts.zeroStage ?? 0;
    if (![0, 1, 2].includes(stage)) throw new Error(`trainer: zeroStage must be 0, 1 or 2, got ${stage}`);
    this.trainable = trainableNames(model.params.keys(), opts.freeze ?? []);
    if (this.trainable.length === 0) throw new Error('trainer: every parameter is frozen');
    const sharded = parallel && stage > 0;
    const shard = sharded ? { comm: opts.comm!, params: this.trainable.map((name) => ({ name, shape: model.params.get(name)!.shape })) } : undefined;
    this.optimizer = new AdamW({ beta1: opts.beta1, beta2: opts.beta2, eps: opts.eps, weightDecay: opts.weightDecay, shard });
    const weightOf = (l: { weight: number }) => (this.standIn ? 0 : l.weight);
    this.reduce = !parallel
      ? opts.reduce
      : stage === 2
        ? gradientReduceScatter(opts.comm!, this.optimizer.slices!, weightOf)
        : gradientAllReduce(opts.comm!, weightOf);
    this.vars = this.trainable.map((n) => model.params.get(n)!);
    // Frozen parameters are marked not trainable: the model then reads them as constants of the backward pass (no
    // gradient computed for them, e.g. by a custom op's gradient, which computes every input's when it runs).
    const trains = new Set(this.trainable);
    for (const [name, v] of model.params) if (v instanceof tf.Variable) v.trainable = trains.has(name);
  }

  /** Learning rate of the next update. */
  get lr(): number {
    return learningRate(this.optimizer.step, {
      lr: this.opts.lr,
      kind: this.opts.schedule ?? 'cosine',
      warmupSteps: this.opts.warmupSteps ?? 0,
      totalSteps: this.opts.totalSteps,
      from: this.opts.scheduleFrom,
    });
  }

  /**
   * One optimizer step over this rank's micro-batches. In a world of several ranks, micro-batches of weight 0 are
   * stand-ins: a rank whose share of a global step is empty (the step had fewer micro-batches than ranks) still has
   * to take part in the step's collective. A step's stand-ins are skipped when the rank has real micro-batches; when
   * it has none, the first stand-in is computed (so the rank has gradients of the right shapes) and enters the
   * reduction with weight 0, contributing nothing.
   */
  async step(micro: MicroBatch<B>[]): Promise<StepStats> {
    if (micro.length === 0) throw new Error('trainer: a step needs at least one micro-batch');
    const comm = this.opts.comm;
    if (comm && comm.worldSize > 1) {
      // Every rank's first step starts with the same collective, before any update.
      if (!this.replicasChecked) await checkReplicas(comm, this.model);
      this.replicasChecked = true;
      const real = micro.filter((m) => m.weight > 0);
      this.standIn = real.length === 0;
      micro = this.standIn ? [{ batch: micro[0]!.batch, weight: 1 }] : real;
    }
    const { result, peakBytes } = await withPeakBytes(() => this.update(micro));
    return { ...result, peakBytes };
  }

  private async update(micro: MicroBatch<B>[]): Promise<Omit<StepStats, 'peakBytes'>> {
    const total = micro.reduce((s, m) => s + m.weight, 0);
    const step = this.optimizer.step + 1;
    const acc = new Map<string, tf.Tensor>();
    let terms: Record<string, number> = {};
    let loss = 0;
    try {
      for (const { batch, weight } of micro) {
        const share = weight / total;
        let kept: Record<string, tf.Scalar> = {};
        const { value, grads } = variableGrads(() => {
          const out = this.lossFn(this.model, batch);
          kept = Object.fromEntries(Object.entries(out.terms ?? {}).map(([k, t]) => [k, tf.keep(t)]));
          return tf.mul(out.loss, share) as tf.Scalar;
        }, this.vars);
        const v = value.dataSync()[0] / share;
        value.dispose();
        for (const [k, t] of Object.entries(kept)) {
          terms[k] = (terms[k] ?? 0) + t.dataSync()[0] * share;
          t.dispose();
        }
        if (!Number.isFinite(v)) {
          tf.dispose(Object.values(grads));
          throw new NonFiniteLossError(step, v, 'the loss');
        }
        loss += v * share;
        this.vars.forEach((variable, i) => {
          // A trainable parameter the loss does not reach (e.g. a loss of lens terms only) has a zero gradient:
          // tfjs leaves it out, but the reduction over ranks and the optimizer need every parameter's.
          const g = grads[variable.name] ?? tf.zerosLike(variable);
          const name = this.trainable[i];
          const prev = acc.get(name);
          acc.set(name, prev ? tf.keep(tf.add(prev, g)) : g);
          if (prev) {
            prev.dispose();
            g.dispose();
          }
        });
      }
      let gradNorm: number | undefined;
      if (this.reduce) ({ loss, terms, gradNorm } = await this.reduce(acc, { loss, terms, weight: total }));
      gradNorm ??= globalNorm(acc);
      if (!Number.isFinite(gradNorm)) throw new NonFiniteLossError(step, gradNorm, 'the gradient norm');
      if (this.opts.maxGradNorm) clipByGlobalNorm(acc, gradNorm, this.opts.maxGradNorm);
      const lr = this.lr;
      if (this.optimizer.slices) await this.optimizer.applySharded(this.model.params, acc, lr);
      else this.optimizer.apply(this.model.params, acc, lr);
      return { step, loss, terms, lr, gradNorm };
    } finally {
      for (const g of acc.values()) g.dispose();
    }
  }

  dispose(): void {
    this.optimizer.dispose();
  }
}

