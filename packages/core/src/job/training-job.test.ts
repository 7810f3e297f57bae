// The training job as a library: a program builds a TrainingJob from plain settings and callbacks and trains in
// process (the tiny LLaMA fixture on a real slice of the en–zh Alpaca data); under mpirun each rank runs the same job.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { causalLmLoss } from '@dft/losses';
import { selectBackend } from '../backend/select-backend.js';
import { WorldOfOne } from '../distributed/world-of-one.js';
import { TINY_LLAMA } from '../test-utils/fixtures.js';
import { MPI_UNAVAILABLE, mpiJob } from '../test-utils/mpi-job.js';
import { prepareSlice } from '../test-utils/prepared-slice.js';
import type { LogEntry, LogRow } from '../train/run-training.js';
import { TRAINER_STATE_FILE } from '../train/training-checkpoint.js';
import type { TaskEvaluationRequest, TaskScore, TrainBegin } from './training-job.js';
import { TrainingJob } from './training-job.js';
import type { TrainingSettings } from './training-config.js';

let tmp: string;
let data: string;
/**
 * The slice's first 8 records at max length 64 keep 4 rows (the others' prompts are longer): one global batch per
 * step, so each step sees the same examples and the loss must fall from step to step.
 */
const SETTINGS: Omit<TrainingSettings, 'out'> = {
  model: TINY_LLAMA,
  data: '',
  method: 'dft-logits',
  lcLayer: 1,
  etLayer: 2,
  microBatch: 1,
  globalBatch: 4,
  epochs: 3,
  lr: 1e-3,
  schedule: 'constant',
  warmupRatio: 0,
  dtype: 'float32',
};

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'dft-training-job-'));
  data = await prepareSlice(join(tmp, 'data'), 8, { maxLength: 64 });
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const readLog = (out: string) =>
  readFileSync(join(out, 'log.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as LogEntry);

describe('TrainingJob in process', () => {
  it('trains from plain settings: falling finite losses, callbacks = log.jsonl, checkpoint and report, no tensor left', async () => {
    // The backend the job picks (its settings name none), so that the tensors counted are that backend's.
    await selectBackend({ log: null });
    const before = tf.memory().numTensors;
    const out = join(tmp, 'in-process');
    const messages: string[] = [];
    const begins: TrainBegin[] = [];
    const steps: LogRow[] = [];
    const requests: Omit<TaskEvaluationRequest, 'model' | 'tokenizer' | 'config'>[] = [];
    let ends = 0;
    // An evaluator of the caller's own: the model's mean next-token NLL on a short English prompt.
    const evaluate = async ({ model, tokenizer, config, ...request }: TaskEvaluationRequest): Promise<{ rows: TaskScore[] }> => {
      requests.push(request);
      const ids = tf.tensor2d([tokenizer.encode('Translate to Chinese: good morning')], undefined, 'int32');
      const nll = tf.tidy(() => causalLmLoss(model.forward(ids).logits!, ids).dataSync()[0]!);
      ids.dispose();
      return { rows: [{ task: 'nll', lang: 'en', metric: 'nll', value: nll, stderr: null, n: 1 }] };
    };
    const job = new TrainingJob(
      { ...SETTINGS, data, out, evalTasks: ['nll'], evalEvery: 3, finalEvalTasks: ['nll'] },
      {
        evaluate,
        onMessage: (m) => messages.push(m),
        onTrainBegin: (b) => begins.push(b),
        onStep: (row) => steps.push(row),
        onTrainEnd: () => ends++,
      },
    );
    const result = await job.train();

    expect(begins).toEqual([{ totalSteps: 3, startStep: 0, startElapsedS: 0 }]);
    expect(ends).toBe(1);
    expect(messages).toContain(`training dft-logits on ${data} (4 rows), 3 steps of 4 examples (4 × 1), out ${out}`);
    expect(steps.map((s) => s.step)).toEqual([1, 2, 3]);
    const losses = steps.map((s) => s.loss);
    expect(losses.every(Number.isFinite)).toBe(true);
    for (let i = 1; i < losses.length; i++) expect(losses[i]!).toBeLessThan(losses[i - 1]!);
    for (const s of steps) for (const term of ['tft', 'lc', 'et']) expect(s[term]).toBeGreaterThan(0);
    // What the callbacks saw is what rank 0 wrote, the evaluation of step 3 (evalEvery) in its row.
    expect(readLog(out)).toEqual(steps);
    expect(steps.map((s) => s['eval/nll:en/nll'] !== undefined)).toEqual([false, false, true]);
    expect(requests).toEqual([
      { tasks: ['nll'], limit: 50, name: 'dft-logits-step-3', step: 3, final: false, out },
      { tasks: ['nll'], limit: undefined, name: 'dft-logits-step-3', step: 3, final: true, out },
    ]);
    // The final evaluation sees the weights of the last step: the same score.
    expect(result.resultRows).toEqual([{ task: 'nll', lang: 'en', metric: 'nll', value: steps[2]!['eval/nll:en/nll'], stderr: null, n: 1 }]);
    expect(result).toMatchObject({ stoppedBy: 'maxSteps', steps: 3, checkpoint: join(out, 'step-000003'), report: join(out, 'report.html'), results: null });
    expect(readdirSync(out).filter((d) => d.startsWith('step-'))).toEqual(['step-000003']);
    expect(readFileSync(result.report, 'utf8')).toContain('<title>dft train: dft-logits</title>');
    // The model, optimizer and data are released: nothing of the job stays in tfjs's memory.
    expect(tf.memory().numTensors).toBe(before);
  });

  it('refuses settings that cannot run, and what it cannot do without a hook, before loading anything', async () => {
    expect(() => new TrainingJob({ ...SETTINGS, data, out: join(tmp, 'bad'), microBatch: 3 })).toThrow(
      'training settings: globalBatch 4 is not a multiple of microBatch 3 × workers 1 (microBatch is per rank: globalBatch = microBatch × workers × accumulation steps)',
    );
    // The world's size enters the batch arithmetic: 4 examples a step cannot be split into micro-batches of 2 on 3 ranks.
    // (The job refuses in its constructor, before any collective, so a world of one told it has 3 ranks stands in.)
    const threeRanks = Object.assign(new WorldOfOne(), { worldSize: 3 });
    expect(() => new TrainingJob({ ...SETTINGS, data, out: join(tmp, 'bad'), microBatch: 2 }, { comm: threeRanks })).toThrow(
      'globalBatch 4 is not a multiple of microBatch 2 × 3 ranks (microBatch is per rank: globalBatch = microBatch × ranks × accumulation steps)',
    );
    expect(() => new TrainingJob({ ...SETTINGS, data, out: join(tmp, 'bad'), lr: -1 })).toThrow('training settings: "lr" must be > 0, got -1');
    expect(() => new TrainingJob({ ...SETTINGS, data, out: join(tmp, 'bad'), lcLayer: 1.5 })).toThrow('training settings: "lcLayer" must be a layer index or "auto", got 1.5');
    expect(() => new TrainingJob({ ...SETTINGS, data, out: join(tmp, 'bad'), method: 'dpo' as 'sft' })).toThrow('training settings: unknown method "dpo" (sft, tft, dft-logits, dft-feature)');
    expect(existsSync(join(tmp, 'bad'))).toBe(false);
    expect(() => new TrainingJob({ ...SETTINGS, data, out: join(tmp, 'no-eval'), finalEvalTasks: ['xcopa:zh'] })).toThrow(
      "finalEvalTasks xcopa:zh needs an evaluator (the job's evaluate option, e.g. built on @dft/eval's evaluate)",
    );
    const auto = new TrainingJob({ ...SETTINGS, data, out: join(tmp, 'auto'), lcLayer: 'auto' });
    await expect(auto.train()).rejects.toThrow(`lcLayer/etLayer "auto" needs a layer resolver (the job's resolveAutoLayers option, e.g. built on @dft/eval's layer analysis)`);
    expect(existsSync(join(tmp, 'auto', 'log.jsonl'))).toBe(false);
  });

  it("refuses an out holding an earlier run's checkpoints, naming the settings to change as fields or as settingName says", async () => {
    const out = join(tmp, 'earlier');
    mkdirSync(join(out, 'step-000002'), { recursive: true });
    writeFileSync(join(out, 'step-000002', TRAINER_STATE_FILE), '{}');
    const refused = `${out} already holds checkpoints of an earlier run (step-000002): continue it with`;
    await expect(new TrainingJob({ ...SETTINGS, data, out }).train()).rejects.toThrow(
      `${refused} resumeFrom: "latest", choose another out, or pass overwrite: true to delete them`,
    );
    const settingName = (key: string, value?: string | true) => `<${key}${value === undefined ? '' : `=${value}`}>`;
    await expect(new TrainingJob({ ...SETTINGS, data, out }, { settingName }).train()).rejects.toThrow(
      `${refused} <resumeFrom=latest>, choose another <out>, or pass <overwrite=true> to delete them`,
    );
    expect(readdirSync(out)).toEqual(['step-000002']);
  });
});

if (MPI_UNAVAILABLE) console.warn(`TrainingJob MPI test skipped: ${MPI_UNAVAILABLE}`);

describe.skipIf(MPI_UNAVAILABLE)('TrainingJob under mpirun', () => {
  it('2 ranks train the losses of 1 process accumulating their micro-batches (≤ 1e-5); only rank 0 writes', async () => {
    // Micro-batch 1: 1 process accumulates 4 of them a step, 2 ranks accumulate 2 each.
    const settings = { ...SETTINGS, data, maxSteps: 2 };
    const reference: number[] = [];
    await new TrainingJob({ ...settings, out: join(tmp, 'one') }, { onStep: (row) => reference.push(row.loss) }).train();
    const out = join(tmp, 'mpi');
    const job = await mpiJob<{ losses: number[]; steps: number; checkpoint: string | null }>(2, 'job-rank.mjs', { settings, out });
    expect(job.status, job.stderr).toBe(0);
    const [r0, r1] = job.ranks;
    expect(r0!.losses).toEqual(r1!.losses);
    expect(r0!.losses).toHaveLength(2);
    r0!.losses.forEach((l, i) => expect(Math.abs(l - reference[i]!)).toBeLessThanOrEqual(1e-5));
    expect(r0!.checkpoint).toBe(join(out, 'rank-0', 'step-000002'));
    expect(readdirSync(join(out, 'rank-0')).sort()).toEqual(['log.jsonl', 'report.html', 'step-000002']);
    expect(existsSync(join(out, 'rank-1'))).toBe(false);
  });
});
