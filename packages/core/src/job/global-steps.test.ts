import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDataset, type Dataset } from '@dft/data';
import { prepareSlice } from '../test-utils/prepared-slice.js';
import { takeMicroBatches } from '../train/run-training.js';
import { globalSteps, microBatches, resumePosition, type ExamplePosition, type StepPlan } from './global-steps.js';

/** The global order of examples and its split into micro-batches and workers, on 22 rows of the real slice. */

let tmp: string;
let ds: Dataset;
const ROWS = 22;
const EPOCHS = 2;

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'dft-global-steps-'));
  ds = await openDataset(await prepareSlice(join(tmp, 'data'), ROWS));
  expect(ds.numRows).toBe(ROWS);
});
afterAll(async () => {
  await ds?.close();
  rmSync(tmp, { recursive: true, force: true });
});

interface Layout {
  microBatch: number;
  workers: number;
}

interface Step {
  rows: number[];
  tokens: number;
  end: ExamplePosition;
}

/**
 * The optimizer steps a layout takes from `start`: each step's rows over all ranks (in the order of the global
 * step), its tokens (as rank 0 counts them) and the position stored after it, as the training loop groups them.
 */
async function stepsOf(plan: StepPlan, layout: Layout, start: ExamplePosition = { epoch: 0, example: 0 }): Promise<Step[]> {
  // --micro-batch is per rank: globalBatch = microBatch × workers × accumulation.
  const accumulation = plan.globalBatch / (layout.microBatch * layout.workers);
  const ranks = Array.from({ length: layout.workers }, (_, rank) =>
    microBatches(ds, { ...plan, microBatch: layout.microBatch, epochs: EPOCHS }, start, { rank, worldSize: layout.workers }),
  );
  const steps: Step[] = [];
  for (;;) {
    const micro = await Promise.all(ranks.map((r) => takeMicroBatches(r, accumulation)));
    if (micro[0]!.length === 0) return steps;
    // Every rank ends the step at the same position (a rank without rows has one weight-0 stand-in).
    expect(micro.map((m) => m.at(-1)!.position)).toEqual(micro.map(() => micro[0]!.at(-1)!.position));
    expect(micro.every((m) => m.length > 0)).toBe(true);
    // Rank r holds micro-batches r, r + N, ... of the step: deal them back in turn.
    const rows: number[] = [];
    for (let j = 0; micro.some((m) => j < m.length); j++) {
      for (const m of micro) if (j < m.length && m[j]!.weight > 0) rows.push(...Array.from(m[j]!.batch.rows));
    }
    steps.push({ rows, tokens: micro[0]!.reduce((t, b) => t + b.tokens, 0), end: micro[0]!.at(-1)!.position as ExamplePosition });
  }
}

const LAYOUTS: Layout[] = [
  { microBatch: 2, workers: 1 },
  { microBatch: 4, workers: 1 },
  { microBatch: 2, workers: 2 },
  { microBatch: 1, workers: 2 },
  { microBatch: 1, workers: 4 },
];

describe.each([false, true])('global steps (bucketByLength %s)', (bucketByLength) => {
  const plan: StepPlan = { globalBatch: 4, seed: 3, bucketByLength, kinds: ['tft', 'lc', 'et'] };

  it('every layout of a global batch takes the same steps as micro-batch 1, and resumes after any step with them', async () => {
    const reference = await stepsOf(plan, { microBatch: 1, workers: 1 });
    // 22 rows in steps of 4: five full steps and one of 2 per epoch (the last one, unless bucketing shuffled the
    // steps), which never borrows rows of the next epoch.
    const sizes = reference.map((s) => s.rows.length);
    for (const epoch of [sizes.slice(0, 6), sizes.slice(6)]) expect([...epoch].sort()).toEqual([2, 4, 4, 4, 4, 4]);
    if (!bucketByLength) expect(sizes).toEqual([4, 4, 4, 4, 4, 2, 4, 4, 4, 4, 4, 2]);
    for (const epoch of [reference.slice(0, 6), reference.slice(6)])
      expect(epoch.flatMap((s) => s.rows).sort((a, b) => a - b)).toEqual(Array.from({ length: ROWS }, (_, i) => i));
    // The position after a step: examples of its epoch consumed so far, the next epoch's start after its last step.
    expect(reference.map((s) => s.end)).toEqual(
      reference.map((_, i) => {
        const epoch = Math.floor(i / 6);
        const example = sizes.slice(epoch * 6, i + 1).reduce((a, b) => a + b, 0);
        return example === ROWS ? { epoch: epoch + 1, example: 0 } : { epoch, example };
      }),
    );
    const tft = ds.lengths('tft');
    expect(reference.map((s) => s.tokens)).toEqual(reference.map((s) => s.rows.reduce((t, r) => t + tft[r]!, 0)));
    expect(globalSteps(ds, plan, 0).map((s) => Array.from(s))).toEqual(reference.slice(0, 6).map((s) => s.rows));
    for (const layout of LAYOUTS) {
      expect(await stepsOf(plan, layout), `microBatch ${layout.microBatch}, ${layout.workers} workers`).toEqual(reference);
      for (const k of [1, 4, 6, 7]) {
        const resumed = await stepsOf(plan, layout, reference[k - 1]!.end);
        expect(resumed, `resumed after step ${k} with microBatch ${layout.microBatch}, ${layout.workers} workers`).toEqual(reference.slice(k));
      }
    }
  });
});

describe('resumePosition', () => {
  const plan: StepPlan = { globalBatch: 4, seed: 3, bucketByLength: false, kinds: ['tft'] };
  const ckpt = '/runs/a/step-000002';

  it('takes an example position at a step start, and refuses one inside a step naming the checkpoint', () => {
    expect(resumePosition(ds, plan, { epoch: 1, example: 8 }, { microBatch: 2 }, ckpt)).toEqual({ epoch: 1, example: 8 });
    expect(resumePosition(ds, plan, { epoch: 0, example: 20 }, undefined, ckpt)).toEqual({ epoch: 0, example: 20 });
    expect(() => resumePosition(ds, plan, { epoch: 0, example: 6 }, undefined, ckpt)).toThrow(
      `${ckpt}: data position 6 of epoch 0 is not the start of a global step of this run's plan (globalBatch 4); resume with the global batch it was trained with`,
    );
    expect(() => resumePosition(ds, plan, { step: 3 }, undefined, ckpt)).toThrow(`${ckpt}: trainer state has no valid data position ({"step":3})`);
  });

  it('converts an old {epoch, index} position (micro-batches of the saved microBatch) when it is a prefix of the plan', () => {
    // 8 micro-batches of 1 row = the first two steps of 4; 3 micro-batches of 2 rows = 6 rows, inside step 2.
    expect(resumePosition(ds, plan, { epoch: 0, index: 8 }, { microBatch: 1, seed: 3 }, ckpt)).toEqual({ epoch: 0, example: 8 });
    expect(resumePosition(ds, plan, { epoch: 1, index: 2 }, { microBatch: 4, seed: 3 }, ckpt)).toEqual({ epoch: 1, example: 8 });
    // The old plan's last micro-batch consumed: the next epoch's start.
    expect(resumePosition(ds, plan, { epoch: 0, index: 11 }, { microBatch: 2, seed: 3 }, ckpt)).toEqual({ epoch: 1, example: 0 });
    expect(() => resumePosition(ds, plan, { epoch: 0, index: 3 }, { microBatch: 2, seed: 3 }, ckpt)).toThrow(
      `${ckpt} stores its data position the old way (micro-batch 3 of epoch 0 with microBatch 2), and the examples it consumed are not the first steps of this run's plan (globalBatch 4): it cannot continue with exactly the examples the uninterrupted run would see; start a fresh run`,
    );
    // Another seed shuffled other rows into the first steps.
    expect(() => resumePosition(ds, plan, { epoch: 0, index: 4 }, { microBatch: 2, seed: 4 }, ckpt)).toThrow(/stores its data position the old way/);
    // Without the saved microBatch, an index cannot be read.
    expect(() => resumePosition(ds, plan, { epoch: 0, index: 4 }, {}, ckpt)).toThrow(`${ckpt}: trainer state has no valid data position ({"epoch":0,"index":4})`);
  });
});
