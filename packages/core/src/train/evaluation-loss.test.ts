import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../model/config.js';
import { initialParameters } from '../model/init.js';
import { CausalLM } from '../model/model.js';
import { loadPretrained } from '../model/pretrained.js';
import { useBackend } from '../test-utils/fixtures.js';
import { evaluationLoss } from './evaluation-loss.js';
import { isEvalRow, runTraining, type EvalLogRow, type LogEntry, type LogRow, type SourceBatch } from './run-training.js';
import { Trainer, type LossFn } from './trainer.js';
import { readTrainerState, resolveCheckpoint, restoreOptimizer } from './training-checkpoint.js';

/** Held-out evaluation of the objective (evaluationLoss) and its rows in the training loop's log and state. */

const CONFIG = parseConfig({
  model_type: 'llama',
  vocab_size: 40,
  hidden_size: 8,
  intermediate_size: 16,
  num_hidden_layers: 1,
  num_attention_heads: 2,
  num_key_value_heads: 2,
  max_position_embeddings: 32,
  initializer_range: 0.3,
});
const LEN = 6;
const sequence = (i: number) => Array.from({ length: LEN }, (_, t) => (i * 5 + t * t) % CONFIG.vocabSize);

/**
 * A two-term objective averaged per example: `next` = next-token NLL, `first` = NLL of the second token only;
 * loss = next + 0.5·first (the weights of the DFT objective's terms play the same role).
 */
const objective: LossFn<number[][]> = (model, rows) => {
  const ids = tf.tensor2d(rows, undefined, 'int32');
  const logp = tf.logSoftmax(model.forward(ids).logits!);
  const target = tf.oneHot(tf.slice(ids, [0, 1], [-1, -1]), CONFIG.vocabSize);
  const nll = tf.neg(tf.sum(tf.mul(tf.slice(logp, [0, 0, 0], [-1, LEN - 1, -1]), target), -1)); // [B, LEN-1]
  const next = tf.mean(nll) as tf.Scalar;
  const first = tf.mean(tf.slice(nll, [0, 0], [-1, 1])) as tf.Scalar;
  return { loss: tf.add(next, tf.mul(first, 0.5)) as tf.Scalar, terms: { next, first } };
};

const made: string[] = [];
afterAll(() => made.forEach((d) => rmSync(d, { recursive: true, force: true })));
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), 'dft-evalloss-'));
  made.push(d);
  return d;
};

beforeAll(() => useBackend('cpu'));

describe('evaluationLoss', () => {
  it('equals the objective computed example by example (uneven batches), leaks nothing, and names an empty set', async () => {
    const model = new CausalLM(CONFIG, initialParameters(CONFIG, 5));
    const rows = Array.from({ length: 7 }, (_, i) => sequence(100 + i));
    // Independent reference: the mean over examples of each one's own loss, one forward pass per example.
    const one = rows.map((r) =>
      tf.tidy(() => {
        const o = objective(model, [r]);
        return { loss: o.loss.dataSync()[0]!, next: o.terms!.next!.dataSync()[0]!, first: o.terms!.first!.dataSync()[0]! };
      }),
    );
    const mean = (k: 'loss' | 'next' | 'first') => one.reduce((s, x) => s + x[k], 0) / one.length;
    const before = tf.memory().numTensors;
    const r = await evaluationLoss(model, objective, [
      { batch: rows.slice(0, 3), weight: 3 },
      { batch: rows.slice(3, 5), weight: 2 },
      { batch: rows.slice(5), weight: 2 },
    ]);
    expect(tf.memory().numTensors).toBe(before);
    expect(r.weight).toBe(7);
    expect(r.batches).toBe(3);
    expect(r.loss).toBeCloseTo(mean('loss'), 5);
    expect(r.terms.next).toBeCloseTo(mean('next'), 5);
    expect(r.terms.first).toBeCloseTo(mean('first'), 5);
    // The loss is the objective's combination of its terms, and a real value (about ln 40 at initialisation).
    expect(r.loss).toBeCloseTo(r.terms.next! + 0.5 * r.terms.first!, 5);
    expect(r.terms.next).toBeGreaterThan(2);
    await expect(evaluationLoss(model, objective, [])).rejects.toThrow('evaluation: no examples to evaluate');
    model.dispose();
  });
});

describe('runTraining with a held-out split', () => {
  const train = function* (from: number): Generator<SourceBatch<number[][]>> {
    for (let i = from; ; i += 2) yield { batch: [sequence(i), sequence(i + 1)], weight: 2, tokens: 2 * LEN, epoch: (i + 2) / 16, position: i + 2 };
  };
  const held = [0, 1, 2].map((k) => ({ batch: [sequence(500 + 2 * k), sequence(501 + 2 * k)], weight: 2 }));

  async function run(outDir: string, maxSteps: number, resumeFrom?: string) {
    const dir = resumeFrom ? resolveCheckpoint(resumeFrom, outDir) : null;
    const resumed = dir ? readTrainerState(dir) : undefined;
    const model = dir ? loadPretrained(dir).model : new CausalLM(CONFIG, initialParameters(CONFIG, 8));
    const trainer = new Trainer(model, objective, { lr: 5e-2, totalSteps: 5 });
    if (dir) restoreOptimizer(dir, trainer.optimizer, model, resumed!.step);
    const checks: number[] = [];
    const logged: LogEntry[] = [];
    const result = await runTraining({
      trainer,
      source: train((resumed?.dataPosition as number | undefined) ?? 0),
      accumulation: 1,
      maxSteps,
      outDir,
      saveEvery: 2,
      keepLast: 5,
      seed: 8,
      config: {},
      resumed,
      handleSignals: false,
      plan: { numTrainEpochs: 3, trainBatchSize: 2 },
      validateEvery: 2,
      validate: async (step) => {
        checks.push(step);
        // Evaluating twice must give the same number: the evaluation itself changes nothing.
        const [a, b] = [await evaluationLoss(model, objective, held), await evaluationLoss(model, objective, held)];
        expect(b.loss).toBe(a.loss);
        return a;
      },
      onLog: (row) => logged.push(row),
    });
    trainer.dispose();
    model.dispose();
    return { ...result, checks, logged };
  }

  it('logs eval rows every validateEvery steps and at the end; trainer_state.json follows HF TrainerState', async () => {
    const out = tmp();
    const r = await run(out, 5);
    expect(r.checks).toEqual([2, 4, 5]);
    expect(r.log.map((x) => (isEvalRow(x) ? `eval@${x.step}` : x.step))).toEqual([1, 2, 'eval@2', 3, 4, 'eval@4', 5, 'eval@5']);
    expect(r.logged).toEqual(r.log);
    const lines = readFileSync(join(out, 'log.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as LogEntry);
    expect(lines).toEqual(r.log);
    const evals = r.log.filter(isEvalRow);
    for (const e of evals) {
      expect(Object.keys(e).sort()).toEqual(['elapsedS', 'epoch', 'eval_first', 'eval_loss', 'eval_next', 'eval_runtime', 'eval_samples', 'eval_samples_per_second', 'step'].sort());
      expect(e.eval_samples).toBe(6);
      expect(e.eval_loss).toBeCloseTo(e.eval_next + 0.5 * e.eval_first, 5);
    }
    // Training on a pattern lowers the held-out loss of the same pattern.
    expect(evals[2]!.eval_loss).toBeLessThan(evals[0]!.eval_loss);
    for (const row of r.log.filter((x): x is LogRow => !isEvalRow(x))) {
      expect(row.learning_rate).toBe(row.lr);
      expect(row.grad_norm).toBe(row.gradNorm);
      expect(row.epoch).toBe((2 * row.step) / 16); // fractional, from the source
    }
    const state = JSON.parse(readFileSync(join(out, 'step-000005', 'trainer_state.json'), 'utf8')) as Record<string, unknown>;
    const best = evals.reduce((a, b) => (b.eval_loss < a.eval_loss ? b : a));
    expect(state).toMatchObject({
      global_step: 5,
      epoch: 10 / 16,
      max_steps: 5,
      num_train_epochs: 3,
      train_batch_size: 2,
      logging_steps: 1,
      eval_steps: 2,
      save_steps: 2,
      num_input_tokens_seen: 5 * 2 * LEN,
      best_metric: best.eval_loss,
      best_global_step: best.step,
      best_model_checkpoint: join(out, `step-${String(best.step).padStart(6, '0')}`),
      is_world_process_zero: true,
      is_hyper_param_search: false,
      trial_name: null,
      step: 5,
      dataPosition: 10,
      seed: 8,
    });
    expect(state.log_history).toEqual(r.log);
    expect(state.total_flos).toBe(6 * (CONFIG.vocabSize * 8 + (4 * 8 * 8 + 3 * 8 * 16 + 2 * 8) + 8) * 5 * 2 * LEN);
    // HF writes its fields with sorted keys; ours follow them.
    const keys = Object.keys(state);
    const ours = ['step', 'dataPosition', 'seed', 'config'];
    expect(keys.slice(-4)).toEqual(ours);
    expect(keys.slice(0, -4)).toEqual([...keys.slice(0, -4)].sort());
  });

  it('a run resumed from step 2 logs what the uninterrupted run logs (eval rows included) and keeps the best metric', async () => {
    const full = await run(tmp(), 5);
    const out = tmp();
    await run(out, 3);
    const resumed = await run(out, 5, join(out, 'step-000002'));
    const strip = (rows: LogEntry[]) => rows.map(({ elapsedS: _, tokPerS: __, eval_runtime: ___, eval_samples_per_second: ____, ...rest }) => rest);
    expect(strip(resumed.log)).toEqual(strip(full.log));
    expect(resumed.checks).toEqual([4, 5]);
    const state = readTrainerState(join(out, 'step-000005'));
    expect(state.log).toEqual(resumed.log);
    const evals = resumed.log.filter(isEvalRow) as EvalLogRow[];
    expect(state.hf?.best_metric).toBe(Math.min(...evals.map((e) => e.eval_loss)));
  });
});
