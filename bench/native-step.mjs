// The benchmark workload of bench/core.mjs as reusable pieces: the benchmark model of docs/design.md on the current backend, one
// forward pass (logits read back) and one training step (causal-LM cross-entropy over the vocabulary, Adam).
import * as tf from '@tensorflow/tfjs-core';
import { CausalLM, initialParameters, parseConfig } from '@dft/core';
import { BENCH_BATCH, BENCH_MODEL, BENCH_SEQ } from './bench-config.mjs';
export { tokensPerSecond } from './timing.mjs';

export function randomIds(n, vocab, seed) {
  let s = seed;
  return Array.from({ length: n }, () => (s = (s * 1103515245 + 12345) % 2 ** 31) % vocab);
}

/** Builds the model and returns `forward()` / `train()` closures and `dispose()`; tokens per call is B·T. */
export function benchWorkload() {
  const config = parseConfig(BENCH_MODEL, 'bench model');
  const model = new CausalLM(config, initialParameters(config, 0));
  const B = BENCH_BATCH;
  const T = BENCH_SEQ;
  const ids = tf.tensor2d(randomIds(B * T, config.vocabSize, 1), [B, T], 'int32');
  const labels = tf.oneHot(tf.reshape(tf.slice(ids, [0, 1], [B, T - 1]), [-1]), config.vocabSize);
  const optimizer = tf.train.adam(1e-4);
  const params = [...model.params.values()];
  return {
    tokens: B * T,
    params: params.reduce((s, p) => s + p.size, 0),
    // Nothing is returned from tidy: it would walk a returned 16M-entry typed array key by key looking for tensors.
    forward: () =>
      tf.tidy(() => {
        model.forward(ids).logits.dataSync();
      }),
    train: () =>
      tf.tidy(() => {
        const loss = optimizer.minimize(() => {
          const logits = tf.slice(model.forward(ids).logits, [0, 0, 0], [B, T - 1, config.vocabSize]);
          return tf.losses.softmaxCrossEntropy(labels, tf.reshape(logits, [-1, config.vocabSize]));
        }, true, params);
        return loss.dataSync()[0];
      }),
    dispose: () => {
      tf.dispose([ids, labels]);
      optimizer.dispose();
      model.dispose();
    },
    model,
    ids,
  };
}

/**
 * The same training step through @dft/ops' fused ops, i.e. the native backend's kernels (what core's AdamW and the
 * losses' token NLL use): the next-token NLL over the vocabulary in one kernel pair instead of ~15 full-size ops
 * and no logits slice (the last position gets weight 0), and one AdamW pass per parameter (Adam: weight decay 0,
 * PyTorch's eps 1e-8) instead of ~13.
 */
export function fusedTrainStep(w, ops, { model: fuseModel = false } = {}) {
  const { model, ids } = w;
  if (fuseModel) useFusedModelKernels(model, ops);
  const [B, T] = ids.shape;
  const V = model.config.vocabSize;
  const flat = ids.dataSync();
  const next = Int32Array.from({ length: B * T }, (_, i) => ((i + 1) % T === 0 ? 0 : flat[i + 1]));
  const targets = tf.tensor1d(next, 'int32');
  const weights = tf.tensor1d(Float32Array.from({ length: B * T }, (_, i) => ((i + 1) % T === 0 ? 0 : 1)));
  const params = [...model.params.values()];
  const moments = params.map((p) => [tf.variable(tf.zerosLike(p), false), tf.variable(tf.zerosLike(p), false)]);
  let step = 0;
  return {
    train: () =>
      tf.tidy(() => {
        const { value, grads } = tf.variableGrads(() => {
          const nll = ops.tokenNll(tf.reshape(model.forward(ids).logits, [B * T, V]), targets);
          return tf.div(tf.sum(tf.mul(nll, weights)), B * (T - 1));
        }, params);
        step++;
        params.forEach((p, i) => ops.adamwUpdate(p, moments[i][0], moments[i][1], grads[p.name], { lr: 1e-4, beta1: 0.9, beta2: 0.999, eps: 1e-8, step, weightDecay: 0 }));
        return value.dataSync()[0];
      }),
    dispose: () => tf.dispose([targets, weights, ...moments.flat()]),
  };
}

/** Per-kernel time of one call of `fn` (tf.profile), summed by kernel name, largest first. */
export async function kernelProfile(fn) {
  const t = performance.now();
  const info = await tf.profile(fn);
  const wallMs = performance.now() - t;
  const byName = new Map();
  for (const k of info.kernels) {
    const e = byName.get(k.name) ?? { kernel: k.name, calls: 0, ms: 0 };
    e.calls++;
    e.ms += typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0;
    byName.set(k.name, e);
  }
  const rows = [...byName.values()].sort((a, b) => b.ms - a.ms);
  return { wallMs, kernelMs: rows.reduce((s, r) => s + r.ms, 0), rows };
}

/**
 * Routes the model's RMSNorm and gated MLP activation through @dft/ops' fused ops, as core's CausalLM does
 * after integration (its private `norm(x, w)` and `mlp(i, x)`, replaced on this instance only). Fails loudly if
 * core's model no longer has those methods, rather than measuring the unfused model under this label.
 */
export function useFusedModelKernels(model, ops) {
  const proto = Object.getPrototypeOf(model);
  for (const m of ['norm', 'mlp', 'linear', 'p']) {
    if (typeof proto[m] !== 'function') throw new Error(`bench: CausalLM has no method ${m}(); update useFusedModelKernels`);
  }
  const c = model.config;
  model.norm = (x, weight) => ops.rmsNorm(x, weight, c.rmsNormEps, c.modelType === 'gemma2' ? 1 : 0);
  model.mlp = (i, x) => {
    const p = `model.layers.${i}.mlp`;
    const gate = model.linear(x, model.p(`${p}.gate_proj.weight`));
    const up = model.linear(x, model.p(`${p}.up_proj.weight`));
    const act = ops.gatedActivation(gate, up, c.activation === 'silu' ? 'silu' : 'gelu_tanh');
    return model.linear(act, model.p(`${p}.down_proj.weight`));
  };
}
