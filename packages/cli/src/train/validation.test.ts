import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isEvalRow, loadPretrained, readEventFile, selectBackend, type EvalLogRow, type LogEntry, type LogRow } from '@dft/core';
import { openDataset } from '@dft/data';
import { dftObjective } from '@dft/losses';
import { dft, readJson, readJsonLines, tempDir, TINY_LLAMA, writeShortRecords } from '../test-utils/cli-harness.js';
import { toDftBatch } from '@dft/core/internal';
import { describeEvaluation } from './describe-evaluation.js';

/** `dft train` with a validation split: eval rows every --eval-steps, HF-named logs and state, TensorBoard files. */

let tmp: ReturnType<typeof tempDir>;
let data: string;
// float32 checkpoints (the fixture is float16): the independent check below reloads the weights the run evaluated.
const RUN = ['--model', TINY_LLAMA, '--method', 'dft-logits', '--lc-layer', '1', '--et-layer', '2', '--micro-batch', '2', '--global-batch', '2', '--lr', '1e-3', '--warmup-ratio', '0', '--schedule', 'constant', '--dtype', 'float32'];

beforeAll(async () => {
  tmp = tempDir('validation');
  const raw = join(tmp.dir, 'short.json');
  writeShortRecords(raw, 24);
  data = join(tmp.dir, 'data');
  const r = await dft('prepare', '--input', raw, '--tokenizer', TINY_LLAMA, '--out', data, '--max-length', '128', '--validation', '0.3', '--json');
  expect(r.code).toBe(0);
  expect(JSON.parse(r.out).files.validation).toBe(join(data, 'validation.arrow'));
});
afterAll(() => tmp.remove());

/**
 * The DFT objective on the first 3 validation rows, computed here: rows 0–1 as one batch and row 2 alone (padded
 * only to its own length), weighted by rows.
 */
async function independentValidationLoss(checkpoint: string): Promise<Record<string, number>> {
  const { model } = loadPretrained(checkpoint, { log: null });
  const ds = await openDataset(join(data, 'validation.arrow'));
  const objective = dftObjective({ method: 'dft-logits', lcLayer: 1, etLayer: 2, lambdaLc: 1, lambdaEt: 1, pool: 'mean', detachTeacher: true });
  const sums: Record<string, number> = { loss: 0, tft: 0, lc: 0, et: 0 };
  try {
    for (const [batchSize, index] of [[2, 0], [1, 2]] as const) {
      for await (const b of ds.batches({ batchSize, kinds: ['tft', 'lc', 'et'], shuffle: false, startAt: { epoch: 0, index } })) {
        const r = tf.tidy(() => {
          const o = objective(model, toDftBatch(b));
          return { loss: o.loss.dataSync()[0]!, tft: o.terms.tft!.dataSync()[0]!, lc: o.terms.lc!.dataSync()[0]!, et: o.terms.et!.dataSync()[0]! };
        });
        for (const k of Object.keys(sums)) sums[k] += r[k as keyof typeof r] * b.exampleIds.length;
        break;
      }
    }
  } finally {
    await ds.close();
    model.dispose();
  }
  return Object.fromEntries(Object.entries(sums).map(([k, v]) => [k, v / 3]));
}

describe('describeEvaluation', () => {
  it('names the loss terms the method uses and leaves out those logged as 0', () => {
    const base: EvalLogRow = { step: 4, epoch: 1, eval_loss: 3.5, eval_runtime: 1.25, eval_samples: 12, eval_samples_per_second: 9.6, elapsedS: 20 };
    expect(describeEvaluation({ ...base, eval_tft: 3.5, eval_lc: 0, eval_et: 0 })).toBe('validation at step 4: eval_loss 3.5000 (tft 3.5000) on 12 examples');
    expect(describeEvaluation({ ...base, eval_tft: 1.5, eval_lc: 1.25, eval_et: 0.75 })).toBe('validation at step 4: eval_loss 3.5000 (tft 1.5000, lc 1.2500, et 0.7500) on 12 examples');
  });
});

describe('dft train: validation loss, HF logs, TensorBoard', () => {
  it('evaluates every --eval-steps and at the end; the numbers are the objective on the validation rows', async () => {
    const out = join(tmp.dir, 'run');
    await selectBackend({ log: null }); // the backend the run picks, so its tensor count can be read before
    const tensorsBefore = tf.memory().numTensors;
    const r = await dft('train', ...RUN, '--data', data, '--out', out, '--max-steps', '3', '--eval-steps', '2', '--eval-max-examples', '3', '--save-every', '2', '--report-to', 'tensorboard');
    expect(r.err).not.toMatch(/error/i);
    expect(r.code).toBe(0);
    // Everything the run allocated (model, optimizer, evaluation batches) is released.
    expect(tf.memory().numTensors).toBe(tensorsBefore);
    const log = readJsonLines<LogEntry>(join(out, 'log.jsonl'));
    expect(log.map((x) => (isEvalRow(x) ? `eval@${x.step}` : x.step))).toEqual([1, 2, 'eval@2', 3, 'eval@3']);
    const evals = log.filter(isEvalRow);
    for (const e of evals) {
      expect(e.eval_samples).toBe(3);
      expect(e.eval_loss).toBeCloseTo(e.eval_tft + e.eval_lc + e.eval_et, 4);
      for (const k of ['eval_tft', 'eval_lc', 'eval_et']) expect(e[k]).toBeGreaterThan(0);
    }
    // The final evaluation against an independent computation on the final weights.
    const want = await independentValidationLoss(join(out, 'step-000003'));
    const last = evals[1]!;
    expect(last.eval_loss).toBeCloseTo(want.loss!, 4);
    expect(last.eval_tft).toBeCloseTo(want.tft!, 4);
    expect(last.eval_lc).toBeCloseTo(want.lc!, 4);
    expect(last.eval_et).toBeCloseTo(want.et!, 4);
    // The progress output says so (JSON lines on a pipe).
    expect(r.out).toContain(`validation at step 3: eval_loss ${last.eval_loss.toFixed(4)}`);

    // HF's names beside ours; fractional epochs (2 steps of 2 examples per epoch of the train split's rows).
    const train = log.filter((x): x is LogRow => !isEvalRow(x));
    const state = readJson<Record<string, unknown>>(join(out, 'step-000003', 'trainer_state.json'));
    for (const row of train) {
      expect(row.learning_rate).toBe(row.lr);
      expect(row.grad_norm).toBe(row.gradNorm);
    }
    expect(train[1]!.epoch).toBeCloseTo(2 * train[0]!.epoch, 10);
    expect(train[0]!.epoch).toBeGreaterThan(0);
    expect(train[0]!.epoch).toBeLessThan(1);
    expect(state).toMatchObject({
      global_step: 3,
      epoch: train[2]!.epoch,
      max_steps: 3,
      num_train_epochs: 3,
      train_batch_size: 2,
      eval_steps: 2,
      save_steps: 2,
      num_input_tokens_seen: train.reduce((s, x) => s + x.tokens, 0),
      best_metric: Math.min(...evals.map((e) => e.eval_loss)),
      step: 3,
    });
    expect(state.log_history).toEqual(log);

    // TensorBoard: the version event, then one event per log row, HF's tags, float32 values.
    const files = readdirSync(join(out, 'tensorboard'));
    expect(files).toHaveLength(1);
    expect(files[0]).toMatch(/^events\.out\.tfevents\.\d{10}\.\S+$/);
    const events = readEventFile(join(out, 'tensorboard', files[0]!));
    expect(events[0]).toMatchObject({ step: 0, fileVersion: 'brain.Event:2' });
    expect(events.slice(1).map((e) => e.step)).toEqual(log.map((x) => x.step));
    events.slice(1).forEach((e, i) => {
      const row = log[i]!;
      if (isEvalRow(row)) {
        expect(e.scalars!['eval/loss']).toBe(Math.fround(row.eval_loss));
        expect(e.scalars!['eval/et']).toBe(Math.fround(row.eval_et));
      } else {
        expect(e.scalars!['train/loss']).toBe(Math.fround(row.loss));
        expect(e.scalars!['train/learning_rate']).toBe(Math.fround(row.lr));
        expect(e.scalars!['train/grad_norm']).toBe(Math.fround(row.gradNorm));
        expect(e.scalars!['train/epoch']).toBe(Math.fround(row.epoch));
        expect(Object.keys(e.scalars!)).not.toContain('train/lr');
      }
    });

    // report.html charts the validation loss beside the training loss.
    const html = readFileSync(join(out, 'report.html'), 'utf8');
    const points = [...html.matchAll(/data-series="eval_loss" data-x="([^"]+)" data-y="([^"]+)"/g)].map((m) => [Number(m[1]), Number(m[2])]);
    expect(points).toEqual(evals.map((e) => [e.step, e.eval_loss]));

    // Resumed from step 2: the log and the event file hold the run's history up to there, then the new steps.
    const resumed = await dft('train', ...RUN, '--data', data, '--out', out, '--max-steps', '4', '--eval-steps', '2', '--eval-max-examples', '3', '--report-to', 'tensorboard', '--resume-from', join(out, 'step-000002'));
    expect(resumed.code).toBe(0);
    expect(tf.memory().numTensors).toBe(tensorsBefore);
    const after = readJsonLines<LogEntry>(join(out, 'log.jsonl'));
    expect(after.map((x) => (isEvalRow(x) ? `eval@${x.step}` : x.step))).toEqual([1, 2, 'eval@2', 3, 4, 'eval@4']);
    expect(after.slice(0, 3)).toEqual(log.slice(0, 3));
    // Evaluating changes nothing in training: step 3 after the resume is step 3 of the first run, bit for bit.
    expect((after[3] as LogRow).loss).toBe((log[3] as LogRow).loss);
    expect((after[3] as LogRow).gradNorm).toBe((log[3] as LogRow).gradNorm);
    const tb = readdirSync(join(out, 'tensorboard'));
    expect(tb).toHaveLength(1);
    expect(readEventFile(join(out, 'tensorboard', tb[0]!)).slice(1).map((e) => e.step)).toEqual(after.map((x) => x.step));
  });

  it('--eval-steps without a validation split exits 1 naming what is missing; no split and no flag evaluates nothing', async () => {
    const raw = join(tmp.dir, 'four.json');
    writeShortRecords(raw, 4);
    const plain = join(tmp.dir, 'plain');
    expect((await dft('prepare', '--input', raw, '--tokenizer', TINY_LLAMA, '--out', plain, '--max-length', '128')).code).toBe(0);
    const r = await dft('train', ...RUN, '--method', 'sft', '--data', plain, '--out', join(tmp.dir, 'no-split'), '--max-steps', '1', '--eval-steps', '1');
    expect(r.code).toBe(1);
    expect(r.err).toContain(`evalSteps 1 needs a validation split, but there is no validation.arrow beside ${join(plain, 'train.arrow')}`);
    const ok = await dft('train', ...RUN, '--method', 'sft', '--data', plain, '--out', join(tmp.dir, 'no-eval'), '--max-steps', '1');
    expect(ok.code).toBe(0);
    const rows = readJsonLines<LogEntry>(join(tmp.dir, 'no-eval', 'log.jsonl'));
    expect(rows.filter(isEvalRow)).toEqual([] as EvalLogRow[]);
    expect(readdirSync(join(tmp.dir, 'no-eval'))).not.toContain('tensorboard');
    const bad = await dft('train', ...RUN, '--data', plain, '--out', join(tmp.dir, 'bad'), '--report-to', 'wandb');
    expect(bad.code).not.toBe(0);
    expect(bad.err).toContain('"reportTo" must be one of tensorboard, all, none, got "wandb"');
  });
});
