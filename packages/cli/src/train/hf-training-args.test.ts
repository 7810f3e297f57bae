import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dft, tempDir } from '../test-utils/cli-harness.js';
import { TRAINING_DEFAULTS, type TrainingConfig } from '@dft/core';
import { resolveConfig } from './config.js';

let tmp: ReturnType<typeof tempDir>;
beforeAll(() => {
  tmp = tempDir('hf-args');
});
afterAll(() => tmp.remove());

const MINIMAL = { model: 'm', data: 'd.arrow', method: 'tft' };
const resolve1 = (settings: Record<string, unknown>) => resolveConfig([{ ...MINIMAL, out: 'o', ...settings }], 'run.json');

describe('Hugging Face TrainingArguments names in a dft train config', () => {
  it('a config written with HF names resolves to the same run as one written with ours', () => {
    const hf = resolve1({
      learning_rate: 1e-4,
      num_train_epochs: 2.0,
      max_steps: 50,
      warmup_ratio: 0.1,
      weight_decay: 0.01,
      max_grad_norm: 0.5,
      lr_scheduler_type: 'linear',
      save_steps: 10,
      save_total_limit: 3,
      seed: 7,
      eval_steps: 5,
      adam_beta1: 0.8,
      adam_beta2: 0.95,
      adam_epsilon: 1e-6,
      overwrite_output_dir: true,
      gradient_checkpointing: true,
      logging_steps: 1,
      report_to: 'none',
    });
    const ours = resolve1({
      lr: 1e-4, epochs: 2, maxSteps: 50, warmupRatio: 0.1, weightDecay: 0.01, maxGradNorm: 0.5, schedule: 'linear',
      saveEvery: 10, keepLast: 3, seed: 7, evalSteps: 5, reportTo: ['none'], adamBeta1: 0.8, adamBeta2: 0.95, adamEpsilon: 1e-6, overwrite: true,
      gradientCheckpointing: true,
    });
    expect(hf).toEqual(ours);
    expect(hf).toMatchObject({ lr: 1e-4, epochs: 2, schedule: 'linear', keepLast: 3, adamBeta2: 0.95, gradientCheckpointing: true });
  });

  it('batch sizes keep their HF meaning: per device and forward pass × workers × accumulation steps', () => {
    // One worker: micro = per-device, global = micro × accumulation.
    expect(resolve1({ per_device_train_batch_size: 4, gradient_accumulation_steps: 8 })).toMatchObject({ microBatch: 4, globalBatch: 32 });
    // Two workers (HF: two devices): each forward pass of each holds 4 examples, a step 4 × 2 × 8.
    expect(resolve1({ per_device_train_batch_size: 4, gradient_accumulation_steps: 8, workers: 2 })).toMatchObject({ microBatch: 4, globalBatch: 64, workers: 2 });
    // HF's accumulation defaults to 1: per-device alone makes the global batch one forward pass (not our default 128).
    expect(resolve1({ per_device_train_batch_size: 4 })).toMatchObject({ microBatch: 4, globalBatch: 4 });
    // Accumulation alone multiplies our micro batch (default 8).
    expect(resolve1({ gradient_accumulation_steps: 3 })).toMatchObject({ microBatch: TRAINING_DEFAULTS.microBatch, globalBatch: 3 * TRAINING_DEFAULTS.microBatch });
  });

  it('a later layer overrides an HF batch size with ours, and the other way round', () => {
    const file = { ...MINIMAL, out: 'o', per_device_train_batch_size: 4, gradient_accumulation_steps: 8 };
    // --micro-batch 2 on the command line: accumulation keeps its meaning (steps per update).
    expect(resolveConfig([file, { microBatch: '2' }], ['run.json', 'command line'])).toMatchObject({ microBatch: 2, globalBatch: 16 });
    // --global-batch 64: the per-device size stays, the accumulation follows.
    expect(resolveConfig([file, { globalBatch: '64' }], ['run.json', 'command line'])).toMatchObject({ microBatch: 4, globalBatch: 64 });
    // Ours in the file, HF's in a later layer.
    expect(resolveConfig([{ ...MINIMAL, out: 'o', microBatch: 2, globalBatch: 16 }, { per_device_train_batch_size: 8 }], ['a', 'b'])).toMatchObject({ microBatch: 8, globalBatch: 16 });
  });

  it('translates HF values: max_steps -1 = unset, constant schedules, warmup steps, resume_from_checkpoint true', () => {
    expect(resolve1({ max_steps: -1 }).maxSteps).toBeUndefined();
    expect(resolve1({ lr_scheduler_type: 'constant_with_warmup', warmup_steps: 20 })).toMatchObject({ schedule: 'constant', warmupSteps: 20 });
    // HF's `constant` has no warmup whatever warmup_ratio says.
    expect(resolve1({ lr_scheduler_type: 'constant', warmup_ratio: 0.1 })).toMatchObject({ schedule: 'constant', warmupSteps: 0 });
    // warmup_steps 0 = HF's "use warmup_ratio".
    expect(resolve1({ warmup_steps: 0, warmup_ratio: 0.2 }).warmupSteps).toBeUndefined();
    expect(resolve1({ resume_from_checkpoint: true }).resumeFrom).toBe('latest');
  });

  it('resolves output_dir and resume_from_checkpoint against the config file, as our path settings', async () => {
    const dir = join(tmp.dir, 'configs');
    mkdirSync(dir, { recursive: true });
    const file = join(dir, 'hf.yaml');
    writeFileSync(file, 'model: m\ndata: d.arrow\nmethod: tft\noutput_dir: ../runs/hf\nresume_from_checkpoint: ../runs/hf/step-000010\nlearning_rate: 3.0e-5\n');
    const r = await dft('train', '--config', file, '--print-config');
    expect(r.code).toBe(0);
    const c = JSON.parse(r.out) as TrainingConfig;
    expect(c.out).toBe(join(tmp.dir, 'runs', 'hf'));
    expect(c.resumeFrom).toBe(join(tmp.dir, 'runs', 'hf', 'step-000010'));
    expect(c.lr).toBe(3e-5);
    expect(c).not.toHaveProperty('output_dir');
  });

  const refused: [string, Record<string, unknown>, RegExp][] = [
    ['gradient checkpointing that is not a boolean', { gradient_checkpointing: 'yes' }, /run\.json: "gradientCheckpointing" must be true or false, got "yes"/],
    ['bf16 training', { bf16: true }, /"bf16": bf16 mixed-precision training .* is not supported yet/],
    ['logging every 10 steps', { logging_steps: 10 }, /"logging_steps": logging every N > 1 steps .* is not supported yet \(got 10\)/],
    ['wandb', { report_to: ['tensorboard', 'wandb'] }, /run\.json: "report_to": "wandb" is not supported \(supported: tensorboard, all, none\)/],
    ['another optimizer', { optim: 'adafactor' }, /"optim": optimizers other than AdamW is not supported yet/],
    ['another schedule', { lr_scheduler_type: 'cosine_with_restarts' }, /"lr_scheduler_type" "cosine_with_restarts" is not supported \(supported: linear, cosine, constant_with_warmup, constant\)/],
    ['fractional epochs', { num_train_epochs: 1.5 }, /"num_train_epochs" 1\.5 is a fraction: dft trains whole epochs/],
    ['save_steps as a fraction of the run', { save_steps: 0.25 }, /"save_steps" 0\.25 is a fraction of the run: give a number of steps/],
    ['keep every checkpoint', { save_total_limit: null }, /"save_total_limit": null \(keep every checkpoint\) is not supported/],
    ['both names of one setting', { lr: 1e-3, learning_rate: 1e-4 }, /run\.json: "lr" and "learning_rate" both set lr: keep one/],
    ['both names of the micro batch', { microBatch: 2, per_device_train_batch_size: 4 }, /"microBatch" and "per_device_train_batch_size" both set microBatch/],
    ['a bad per-device size', { per_device_train_batch_size: 0 }, /run\.json: "per_device_train_batch_size" must be a positive integer, got 0/],
  ];
  it.each(refused)('refuses %s, naming the file and the key', (_what, settings, message) => {
    expect(() => resolve1(settings)).toThrow(message);
  });

  it('an unknown key gets a did-you-mean, in our names or HF names', async () => {
    expect(() => resolve1({ learning_rat: 1e-4 })).toThrow(/run\.json: unknown setting "learning_rat" \(did you mean "learning_rate"\?\)/);
    expect(() => resolve1({ globalBatc: 8 })).toThrow(/unknown setting "globalBatc" \(did you mean "globalBatch"\?\)/);
    expect(() => resolve1({ warmup_steps_total: 8 })).toThrow(/unknown setting "warmup_steps_total"$/);
    // On the command line: an HF flag names ours; a slip names the closest flag.
    const hf = await dft('train', '--learning_rate', '1e-4');
    expect(hf.code).toBe(2);
    expect(hf.err).toMatch(/^dft train: Unknown option '--learning_rate' \(HF's learning_rate is --lr here; config files accept "learning_rate" too\)/);
    const batch = await dft('train', '--per_device_train_batch_size', '4');
    expect(batch.err).toMatch(/Unknown option '--per_device_train_batch_size' \(HF's per_device_train_batch_size is --micro-batch here\)/);
    const slip = await dft('train', '--max-step', '5');
    expect(slip.err).toMatch(/^dft train: Unknown option '--max-step' \(did you mean --max-steps\?\)/);
  });
});
