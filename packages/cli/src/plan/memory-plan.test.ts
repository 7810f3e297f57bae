import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { availableBackends, CausalLM, initialParameters, parameterSpecs, parseConfig, planMemory, selectBackend, Trainer, variableGrads, withPeakBytes, type ModelConfig } from '@dft/core';
import { dftObjective, type DftBatch } from '@dft/losses';

/**
 * The planner against measurement: the predicted per-rank total of a DFT-logits step is within 15 % of the
 * `peakBytes` the trainer measures (the second step, with the AdamW moments allocated), for a LLaMA-shaped and a
 * Gemma-2-shaped model (tied head, soft-capping, GeLU, GQA), gradient checkpointing off and on × whole LM-head losses
 * and chunks of 16 tokens. The backward phase is checked on its own too (weights, gradients, moments and activations
 * against the peak of one objective's `variableGrads`), since the step's peak may be the update phase's.
 * Both sides count tensor bytes as tfjs does (a clone counts again though it shares its buffer).
 */
const LLAMA = { model_type: 'llama', vocab_size: 3000, hidden_size: 64, intermediate_size: 172, num_hidden_layers: 3, num_attention_heads: 4, num_key_value_heads: 2, max_position_embeddings: 256 };
const GEMMA = {
  model_type: 'gemma2', vocab_size: 4000, hidden_size: 48, intermediate_size: 96, num_hidden_layers: 2, num_attention_heads: 4, num_key_value_heads: 2, head_dim: 16,
  max_position_embeddings: 256, final_logit_softcapping: 30, attn_logit_softcapping: 50, query_pre_attn_scalar: 16, hidden_activation: 'gelu_pytorch_tanh', sliding_window: 16,
};

function group(config: ModelConfig, B: number, T: number, seed: number) {
  const ids = Array.from({ length: B }, (_, b) => Array.from({ length: T }, (_, t) => (seed * 31 + b * 17 + t * 7) % config.vocabSize));
  const labels = ids.map((r) => r.map((v, t) => (t < T / 4 ? -100 : v)));
  return { ids: tf.tensor2d(ids, undefined, 'int32'), labels: tf.tensor2d(labels, undefined, 'int32'), attentionMask: tf.ones([B, T], 'int32') as tf.Tensor2D };
}

/** The measured peaks of a step (the second one) and of one objective's backward alone, in bytes. */
async function measuredPeaks(raw: Record<string, string | number>, checkpointing: boolean, lossChunkTokens: number, B: number, T: number, freeze: string[] = []) {
  const config = parseConfig(raw);
  const model = new CausalLM(config, initialParameters(config, 1));
  model.gradientCheckpointing = checkpointing;
  const objective = dftObjective({ method: 'dft-logits', lcLayer: 1, etLayer: 2, lossChunkTokens });
  const batch: DftBatch = { tft: group(config, B, T, 1), lc: group(config, B, T, 2), et: group(config, B, T, 3) };
  const trainer = new Trainer(model, (m, b: DftBatch) => objective(m, b), { lr: 1e-3, totalSteps: 2, freeze });
  await trainer.step([{ batch, weight: 1 }]);
  const { peakBytes } = await trainer.step([{ batch, weight: 1 }]);
  // Weights and moments are alive here, as in the step's backward.
  const trained = [...model.params.entries()].filter(([name]) => !freeze.includes(name)).map(([, v]) => v);
  const backward = await withPeakBytes(() => variableGrads(() => objective(model, batch).loss, trained));
  tf.dispose([backward.result.value, ...Object.values(backward.result.grads)]);
  trainer.dispose();
  model.dispose();
  tf.dispose(Object.values(batch).flatMap((g) => Object.values(g)));
  return { step: peakBytes, backward: backward.peakBytes, config };
}

describe('dft plan predicts the measured peak of a training step (≤ 15 %)', () => {
  beforeAll(async () => {
    await selectBackend({ prefer: 'cpu', log: null });
  });
  it.each([
    ['llama', false, 0, LLAMA],
    ['llama', true, 0, LLAMA],
    ['llama', false, 16, LLAMA],
    ['llama', true, 16, LLAMA],
    ['gemma2', false, 0, GEMMA],
    ['gemma2', true, 0, GEMMA],
    ['gemma2', false, 16, GEMMA],
    ['gemma2', true, 16, GEMMA],
  ] as const)('%s, gradient checkpointing %s, loss chunks of %i tokens (0 = off)', async (_, checkpointing, lossChunkTokens, raw) => {
    const [B, T] = [2, 48];
    const measured = await measuredPeaks(raw, checkpointing, lossChunkTokens, B, T);
    const plan = planMemory(measured.config, { method: 'dft-logits', lcLayer: 1, etLayer: 2, microBatch: B, seqLen: T, gradientCheckpointing: checkpointing, lossChunkTokens });
    const { weights, gradients, optimizer, activations, total } = plan.perRank;
    expect(Math.abs(total - measured.step) / measured.step).toBeLessThanOrEqual(0.15);
    const backward = weights + gradients + optimizer + activations;
    expect(Math.abs(backward - measured.backward) / measured.backward).toBeLessThanOrEqual(0.15);
  });

  it('a frozen tied embedding gets no gradient and no moments (trainableNames), measured on gemma2 with both savings', async () => {
    const [B, T] = [2, 48];
    const frozen = ['model.embed_tokens.weight'];
    const measured = await measuredPeaks(GEMMA, true, 16, B, T, frozen);
    const names = [...parameterSpecs(measured.config)].map((p) => p.name).filter((n) => !frozen.includes(n));
    const settings = { method: 'dft-logits', lcLayer: 1, etLayer: 2, microBatch: B, seqLen: T, gradientCheckpointing: true, lossChunkTokens: 16 };
    const plan = planMemory(measured.config, { ...settings, trainableNames: names });
    const all = planMemory(measured.config, settings);
    const embed = measured.config.vocabSize * measured.config.hiddenSize;
    expect(plan.trainableParameters).toBe(plan.parameters - embed);
    expect(plan.perRank.optimizer).toBe(8 * (plan.parameters - embed));
    // The tied embedding's one gradient (the running sum over its shared lookup and the trained head) is gone.
    expect(all.perRank.gradients - plan.perRank.gradients).toBe(4 * embed);
    expect(Math.abs(plan.perRank.total - measured.step) / measured.step).toBeLessThanOrEqual(0.15);
    const { weights, gradients, optimizer, activations } = plan.perRank;
    expect(Math.abs(weights + gradients + optimizer + activations - measured.backward) / measured.backward).toBeLessThanOrEqual(0.15);
  });

  it.skipIf(!availableBackends().includes('native'))('native: with fusedHeadNll the backward of a head-dominated step (vocab 40k, chunks of 16) is one weight gradient, no chunk logits', async () => {
    const config = parseConfig({ ...GEMMA, vocab_size: 40000, hidden_size: 32, intermediate_size: 48, num_hidden_layers: 1, num_key_value_heads: 1 });
    const [B, T] = [2, 48];
    await selectBackend({ prefer: 'native', log: null });
    try {
      const model = new CausalLM(config, initialParameters(config, 1));
      const batch = group(config, B, T, 1);
      const objective = dftObjective({ method: 'tft', lossChunkTokens: 16 });
      const measured = await withPeakBytes(() => variableGrads(() => objective(model, { tft: batch, lc: batch, et: batch }).loss, [...model.params.values()]));
      tf.dispose([measured.result.value, ...Object.values(measured.result.grads), ...Object.values(batch)]);
      model.dispose();
      const backward = (fusedHeadNll: boolean) => {
        const p = planMemory(config, { method: 'tft', microBatch: B, seqLen: T, lossChunkTokens: 16, fusedHeadNll }).perRank;
        return p.weights + p.gradients + p.activations;
      };
      expect(Math.abs(backward(true) - measured.peakBytes) / measured.peakBytes).toBeLessThanOrEqual(0.15);
      // The composite's chunk logits and running sum of the weight gradient would about double it.
      expect(backward(false) / measured.peakBytes).toBeGreaterThan(1.5);
    } finally {
      await selectBackend({ prefer: 'cpu', log: null });
    }
  });
});
