import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parameterSpecs, parseConfig, planMemory, type MemoryPlan, type TrainingConfig } from '@dft/core';
import { trainableNames } from '@dft/core/internal';
import { type Command, switchOption } from '../command.js';
import { modelDirectory } from '../load-model.js';
import { SETTING_OPTIONS, trainConfigFrom } from './train.js';

const GB = 1e9;

function table(plan: MemoryPlan, c: TrainingConfig, perRankBatch: number): string {
  const row = (name: string, bytes: number, note = '') => `${name.padEnd(34)} ${(bytes / GB).toFixed(2).padStart(9)} GB${note ? `  ${note}` : ''}`;
  const p = plan.perRank;
  const stage = c.workers > 1 ? c.zeroStage : 0;
  return [
    `dft plan: ${c.method}, ${plan.parameters.toLocaleString('en')} parameters (${plan.trainableParameters.toLocaleString('en')} trainable), per rank: ${perRankBatch} × ${c.maxLength} tokens per forward pass, ${c.workers} worker(s), ZeRO-${stage}`,
    row('weights', p.weights),
    row('gradients', p.gradients, 'one running sum per trained parameter; + the micro-batches\' sum when accumulating'),
    row('optimizer state (AdamW moments)', p.optimizer, stage > 0 ? `1/${c.workers} of the moments (ZeRO-${stage})` : ''),
    row('activations', p.activations, c.gradientCheckpointing ? 'gradient checkpointing on' : 'gradient checkpointing off'),
    row('  with gradient checkpointing', plan.activationsWithCheckpointing),
    row('  without gradient checkpointing', plan.activationsWithoutCheckpointing),
    row('  logits chunk (and its gradient)', p.logitsChunk),
    row('update phase (norm, clipping, AdamW)', p.update, 'weights, summed gradients, moments and the largest parameter\'s scratch'),
    row('total', p.total, 'the larger of the backward and the update'),
  ].join('\n');
}

export const planCommand: Command = {
  name: 'plan',
  summary: 'per-rank memory of a training step (weights, gradients, optimizer state, activations) before running it',
  usage: 'dft plan --config cfg.{json,yaml} [--<setting> value ...] [--json]',
  options: {
    ...SETTING_OPTIONS,
    json: switchOption('print {"perRank": {"weights", "gradients", "optimizer", "activations", "logitsChunk", "update", "total"}, ...} in bytes'),
  },
  longInputs: 'nothing is read but config.json: every sequence is planned at --max-length tokens, the longest a prepared split holds.',
  examples: [
    'dft plan --model google/gemma-2-2b --method dft-logits --lc-layer 2 --et-layer 15 --micro-batch 1 --max-length 512 --gradient-checkpointing true',
    'dft plan --model meta-llama/Llama-2-7b-hf --workers 8 --zero-stage 2 --micro-batch 1 --global-batch 8 --gradient-checkpointing true --json',
  ],
  async run(values) {
    // The plan reads the model's config.json only: data and output folder are not needed.
    const c = trainConfigFrom(values, { data: '(not needed by dft plan)', out: '(not needed by dft plan)' });
    const dir = modelDirectory(c.model, c.revision);
    const file = join(dir, 'config.json');
    const model = parseConfig(JSON.parse(readFileSync(file, 'utf8')), file);
    const trainable = trainableNames(parameterSpecs(model).map((s) => s.name), c.freeze);
    // --micro-batch is per rank (HF's per_device_train_batch_size).
    const perRankBatch = c.microBatch;
    // Layers picked by `auto` are known only once training starts: plan for the deepest lens (the worst case).
    const layer = (k: number | 'auto' | undefined) => (k === 'auto' ? model.numLayers - 1 : k);
    const plan = planMemory(model, {
      method: c.method,
      lcLayer: layer(c.lcLayer),
      etLayer: layer(c.etLayer),
      microBatch: perRankBatch,
      seqLen: c.maxLength,
      accumulation: c.globalBatch / (c.microBatch * c.workers),
      gradientCheckpointing: c.gradientCheckpointing,
      lossChunkTokens: c.lossChunkTokens,
      trainableNames: trainable,
      workers: c.workers,
      zeroStage: c.zeroStage,
      detachTeacher: c.detachTeacher,
      fusedOptimizer: c.backend === 'native',
      fusedHeadNll: c.backend === 'native',
    });
    const settings = { method: c.method, microBatchPerRank: perRankBatch, seqLen: c.maxLength, workers: c.workers, zeroStage: c.workers > 1 ? c.zeroStage : 0, gradientCheckpointing: c.gradientCheckpointing };
    process.stdout.write(values.json ? JSON.stringify({ ...plan, settings }, null, 2) + '\n' : table(plan, c, perRankBatch) + '\n');
    return 0;
  },
};
