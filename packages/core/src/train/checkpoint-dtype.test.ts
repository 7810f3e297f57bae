import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openCheckpoint } from '../checkpoint/checkpoint.js';
import { parseConfig, type ModelDtype } from '../model/config.js';
import { initialParameters } from '../model/init.js';
import { CausalLM } from '../model/model.js';
import { loadPretrained } from '../model/pretrained.js';
// @ts-expect-error: a plain .mjs module shared with the distributed tests' rank entry (no types)
import { TOY_LLAMA_CONFIG } from '../distributed/test-fixtures/toy-task.mjs';
import { useBackend } from '../test-utils/fixtures.js';
import { Trainer, type LossFn } from './trainer.js';
import { OPTIMIZER_FILE, readTrainerState, restoreOptimizer, saveTrainingCheckpoint } from './training-checkpoint.js';

const made: string[] = [];
afterAll(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

function modelIn(dtype: ModelDtype): CausalLM {
  const config = parseConfig({ ...TOY_LLAMA_CONFIG, torch_dtype: dtype });
  return new CausalLM(config, initialParameters(config, 5));
}

const ce: LossFn<number[][]> = (model, rows) => {
  const ids = tf.tensor2d(rows, undefined, 'int32');
  const logits = model.forward(ids).logits!;
  const V = logits.shape[2];
  const pred = tf.reshape(tf.slice(logits, [0, 0, 0], [rows.length, rows[0].length - 1, V]), [-1, V]);
  const labels = tf.oneHot(tf.reshape(tf.slice(ids, [0, 1], [-1, -1]), [-1]), V);
  return { loss: tf.neg(tf.mean(tf.sum(tf.mul(labels, tf.logSoftmax(pred)), -1))) as tf.Scalar };
};

/** One AdamW step, then a checkpoint saved with `save`; returns the trained weights and the checkpoint. */
async function trainAndSave(dtype: ModelDtype, save: { dtype?: ModelDtype } = {}) {
  const model = modelIn(dtype);
  const trainer = new Trainer(model, ce, { lr: 1e-2, totalSteps: 2 });
  await trainer.step([{ batch: [[1, 5, 9, 13, 17, 21]], weight: 1 }]);
  const out = mkdtempSync(join(tmpdir(), 'dft-ckpt-dtype-'));
  made.push(out);
  const dir = await saveTrainingCheckpoint(out, model, trainer.optimizer, { step: 1, epoch: 0, dataPosition: 1, seed: 5, config: {} }, save);
  const trained = new Map([...model.params].map(([n, v]) => [n, Float32Array.from(v.dataSync())]));
  trainer.dispose();
  model.dispose();
  return { dir, trained };
}

function storedDtypes(file: string): Set<string> {
  const ckpt = openCheckpoint(file);
  const dtypes = new Set(ckpt.names.map((n) => ckpt.info(n).dtype));
  ckpt.close();
  return dtypes;
}

describe('training checkpoints keep the model dtype', () => {
  beforeAll(() => useBackend('cpu'));

  it.each([
    ['float16', 'F16'],
    ['bfloat16', 'BF16'],
    ['float32', 'F32'],
  ] as const)('a %s model is saved as %s; the optimizer file stays F32 and resuming restores the exact weights', async (dtype, stored) => {
    const { dir, trained } = await trainAndSave(dtype);
    expect(storedDtypes(dir)).toEqual(new Set([stored]));
    expect(storedDtypes(join(dir, OPTIMIZER_FILE))).toEqual(new Set(['F32']));
    const { model, config } = loadPretrained(dir, { log: null });
    expect(config.dtype).toBe(dtype);
    expect(config.raw.torch_dtype).toBe(dtype);
    // The model file is rounded to its dtype; the optimizer file's float32 master weights undo the rounding.
    const q = 'model.layers.0.self_attn.q_proj.weight';
    expect(Array.from(model.params.get(q)!.dataSync()).every((x, i) => x === trained.get(q)![i])).toBe(dtype === 'float32');
    const trainer = new Trainer(model, ce, { lr: 1e-2, totalSteps: 2 });
    restoreOptimizer(dir, trainer.optimizer, model, readTrainerState(dir).step);
    for (const [name, w] of trained) expect(Array.from(model.params.get(name)!.dataSync()), name).toEqual(Array.from(w));
    expect(trainer.optimizer.step).toBe(1);
    trainer.dispose();
    model.dispose();
  });

  it('an explicit dtype overrides the model dtype (no master weights needed for float32)', async () => {
    const wide = await trainAndSave('float16', { dtype: 'float32' });
    expect(storedDtypes(wide.dir)).toEqual(new Set(['F32']));
    const opt = openCheckpoint(join(wide.dir, OPTIMIZER_FILE));
    expect(opt.names.some((n) => n.startsWith('master.'))).toBe(false);
    opt.close();
    const narrow = await trainAndSave('float32', { dtype: 'bfloat16' });
    expect(storedDtypes(narrow.dir)).toEqual(new Set(['BF16']));
    expect(loadPretrained(narrow.dir, { log: null }).config.dtype).toBe('bfloat16');
  });
});
