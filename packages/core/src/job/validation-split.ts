import { existsSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { CausalLM } from '../model/model.js';
import { evaluationLoss, type EvaluationLoss } from '../train/evaluation-loss.js';
import type { LossFn, MicroBatch } from '../train/trainer.js';
import { openDataset, type Batch, type Dataset, type SequenceKind } from '@dft/data';
import { checkData } from './check-data.js';
import type { TrainingConfig } from './training-config.js';

/** The validation split `dft prepare --validation` writes beside a train split, if there is one. */
export function validationFile(trainFile: string): string | null {
  if (basename(trainFile) !== 'train.arrow') return null;
  const file = join(dirname(trainFile), 'validation.arrow');
  return existsSync(file) ? file : null;
}

/** Its first `limit` rows (all when undefined) in file order, `microBatch` at a time, each padded to its own longest. */
async function* heldOutBatches(ds: Dataset, kinds: SequenceKind[], microBatch: number, limit?: number): AsyncGenerator<MicroBatch<Batch>> {
  const rows = Math.min(ds.numRows, limit ?? Infinity);
  const steps = Math.ceil(rows / microBatch);
  for (let step = 0; step < steps; step++) {
    const ids = Int32Array.from({ length: Math.min(microBatch, rows - step * microBatch) }, (_, i) => step * microBatch + i);
    const collated = await ds.collateRows(ids, { kinds });
    // Only `sequences` feed the objective; the rest says where the batch sits in the split's single pass.
    yield { batch: { ...collated, epoch: 0, step, stepsInEpoch: steps, position: { epoch: 0, index: step + 1 } }, weight: ids.length };
  }
}

/** The validation split of a run, evaluated with the training objective. */
export interface Validation {
  file: string;
  rows: number;
  evaluate(model: CausalLM, lossFn: LossFn<Batch>): Promise<EvaluationLoss>;
  close(): Promise<void>;
}

/**
 * Opens the validation split beside the run's train file, checked against the model's tokenizer like the train
 * split. Null when there is none; an error when `evalSteps` asks for evaluations without one (as HF's Trainer
 * refuses eval_steps without an eval dataset).
 */
export async function openValidation(
  trainFile: string,
  c: TrainingConfig,
  kinds: SequenceKind[],
  model: CausalLM,
  tokenizerHash: string | undefined,
): Promise<Validation | null> {
  const file = validationFile(trainFile);
  if (!file) {
    if (c.evalSteps > 0) {
      throw new Error(`evalSteps ${c.evalSteps} needs a validation split, but there is no validation.arrow beside ${trainFile} (prepare the data with dft prepare --validation FRACTION)`);
    }
    return null;
  }
  const ds = await openDataset(file);
  try {
    checkData(ds, model, tokenizerHash, c.model);
  } catch (e) {
    await ds.close();
    throw e;
  }
  return {
    file,
    rows: Math.min(ds.numRows, c.evalMaxExamples ?? Infinity),
    evaluate: (m, lossFn) => evaluationLoss(m, lossFn, heldOutBatches(ds, kinds, c.microBatch, c.evalMaxExamples)),
    close: () => ds.close(),
  };
}
