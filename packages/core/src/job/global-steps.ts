import type { SourceBatch } from '../train/run-training.js';
import { shardStep, type Batch, type Dataset, type SequenceKind } from '@dft/data';

/**
 * Where a run stands in its data: the epoch, and how many examples of that epoch's global order (its planned
 * steps, one after another) it has consumed. It does not depend on the micro-batch or the number of workers, so a
 * checkpoint resumes with any layout of the same global batch and continues with exactly the examples the
 * uninterrupted run would have seen.
 */
export interface ExamplePosition {
  epoch: number;
  example: number;
}

/** What fixes the global order of an epoch's examples: every rank and every layout plans the same steps. */
export interface StepPlan {
  globalBatch: number;
  seed: number;
  bucketByLength: boolean;
  kinds: readonly SequenceKind[];
}

/** The global steps of an epoch: `globalBatch` rows each (an epoch's last step may hold fewer). */
export function globalSteps(ds: Dataset, p: StepPlan, epoch: number): Int32Array[] {
  return ds.plan({ batchSize: p.globalBatch, kinds: p.kinds, shuffle: { seed: p.seed }, bucketByLength: p.bucketByLength }, epoch);
}

/** The index of the step that starts `example` examples into the epoch; throws when it falls inside a step. */
function stepStartingAt(steps: Int32Array[], example: number, epoch: number): number {
  let consumed = 0;
  for (let s = 0; s <= steps.length; s++) {
    if (consumed === example) return s;
    if (consumed > example || s === steps.length) break;
    consumed += steps[s]!.length;
  }
  throw new Error(`data position ${example} of epoch ${epoch} is not the start of a global step of this run's plan`);
}

/** This process's place in a data-parallel group (rank 0 of 1 without one). */
export interface Shard {
  rank: number;
  worldSize: number;
}

/**
 * The training loop's micro-batches of this rank from `start` on. Each global step is cut into micro-batches of
 * `microBatch` rows and dealt to the ranks in turn (`shardStep`): rank r's last micro-batch of a step is marked
 * `endsStep`, so a short step never borrows from the next epoch. A rank without a micro-batch in a step gets a
 * weight-0 stand-in: it must still take part in the step's collective. `tokens` count the whole world's tokens
 * (rank 0's micro-batches add up to the step's), so rank 0's log shows the world's tokens/s.
 */
export async function* microBatches(
  ds: Dataset,
  p: StepPlan & { microBatch: number; epochs: number },
  start: ExamplePosition,
  shard: Shard = { rank: 0, worldSize: 1 },
): AsyncGenerator<SourceBatch<Batch> & { position: ExamplePosition }> {
  const main = p.kinds.includes('tft') ? 'tft' : p.kinds.includes('sft') ? 'sft' : p.kinds[0]!;
  const lengths = ds.lengths(main);
  for (let epoch = start.epoch; epoch < p.epochs; epoch++) {
    const steps = globalSteps(ds, p, epoch);
    let example = epoch === start.epoch ? start.example : 0;
    for (let s = stepStartingAt(steps, example, epoch); s < steps.length; s++) {
      const step = steps[s]!;
      const mine = shardStep(step, lengths, p.microBatch, shard.rank, shard.worldSize);
      const micro = mine.standIn ? [mine.standIn] : mine.micro;
      example += step.length;
      const endsEpoch = s + 1 === steps.length;
      for (let m = 0; m < micro.length; m++) {
        // Let the event loop turn between micro-batches: batches read from memory resolve as microtasks only, and
        // a loop that never yields to the event loop never runs the SIGINT/SIGTERM handlers either.
        await new Promise((r) => setImmediate(r));
        const collated = await ds.collateRows(micro[m]!, { kinds: p.kinds });
        const endsStep = m + 1 === micro.length;
        yield {
          batch: { ...collated, epoch, step: s, stepsInEpoch: steps.length, position: { epoch, index: endsStep ? s + 1 : s } },
          weight: mine.standIn ? 0 : micro[m]!.length,
          tokens: mine.standIn ? 0 : mine.tokens[m]!,
          // Epochs done, fractional as HF logs them: whole steps of this epoch plus the share of this one consumed.
          epoch: epoch + (s + (endsStep ? 1 : (m + 1) / micro.length)) / steps.length,
          position: endsStep && endsEpoch ? { epoch: epoch + 1, example: 0 } : { epoch, example },
          endsStep,
        };
      }
    }
  }
}

/** The run settings a checkpoint's stored config may hold (older checkpoints: the ones that fixed its data plan). */
interface SavedPlan {
  microBatch?: number;
  seed?: number;
  bucketByLength?: boolean;
}

/**
 * The resume position of a checkpoint. Checkpoints written before positions counted examples stored
 * `{epoch, index}`: `index` micro-batches of the saved run's `microBatch` rows. That converts when the examples
 * consumed are exactly the first steps of this run's plan (always without bucketing, when the old run's steps
 * did not cross an epoch's end); otherwise it is refused, naming the checkpoint.
 */
export function resumePosition(ds: Dataset, p: StepPlan, stored: unknown, saved: SavedPlan | undefined, checkpoint: string): ExamplePosition {
  const pos = (stored ?? { epoch: 0, example: 0 }) as Partial<ExamplePosition & { index: number }>;
  const epoch = pos.epoch;
  if (!Number.isInteger(epoch) || epoch! < 0) throw new Error(`${checkpoint}: trainer state has no valid data position (${JSON.stringify(stored)})`);
  if (Number.isInteger(pos.example) && pos.example! >= 0) {
    stepStartingAtOrThrow(ds, p, epoch!, pos.example!, checkpoint);
    return { epoch: epoch!, example: pos.example! };
  }
  if (!Number.isInteger(pos.index) || pos.index! < 0 || !saved?.microBatch)
    throw new Error(`${checkpoint}: trainer state has no valid data position (${JSON.stringify(stored)})`);
  const old = ds.plan({ batchSize: saved.microBatch, kinds: p.kinds, shuffle: { seed: saved.seed ?? p.seed }, bucketByLength: saved.bucketByLength ?? p.bucketByLength }, epoch!);
  if (pos.index! >= old.length) return { epoch: epoch! + 1, example: 0 };
  const consumed = new Set<number>();
  for (const step of old.slice(0, pos.index)) for (const row of step) consumed.add(row);
  let example = 0;
  for (const step of globalSteps(ds, p, epoch!)) {
    if (example === consumed.size) return { epoch: epoch!, example };
    if (!step.every((row) => consumed.has(row))) break;
    example += step.length;
  }
  throw new Error(
    `${checkpoint} stores its data position the old way (micro-batch ${pos.index} of epoch ${epoch} with microBatch ${saved.microBatch}), ` +
      `and the examples it consumed are not the first steps of this run's plan (globalBatch ${p.globalBatch}${p.bucketByLength ? ', bucketByLength' : ''}): ` +
      `it cannot continue with exactly the examples the uninterrupted run would see; start a fresh run`,
  );
}

function stepStartingAtOrThrow(ds: Dataset, p: StepPlan, epoch: number, example: number, checkpoint: string): void {
  try {
    stepStartingAt(globalSteps(ds, p, epoch), example, epoch);
  } catch (e) {
    throw new Error(`${checkpoint}: ${(e as Error).message} (globalBatch ${p.globalBatch}); resume with the global batch it was trained with`);
  }
}
