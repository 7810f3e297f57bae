import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { writeDirectoryAtomically } from '@dft/util';
import { openCheckpoint } from '../checkpoint/checkpoint.js';
import { readJsonFile } from '../checkpoint/json-file.js';
import { writeSafetensors } from '../checkpoint/writer.js';
import type { CausalLM } from '../model/model.js';
import { saveDtypeOf, writePretrainedFiles, type SaveOptions } from '../model/pretrained.js';
import type { AdamW } from './adamw.js';
import { trainerStateFromJson, trainerStateJson, type HfTrainerBookkeeping } from './trainer-state-file.js';

export const OPTIMIZER_FILE = 'optimizer.safetensors';
export const TRAINER_STATE_FILE = 'trainer_state.json';
/** Float32 copies of the weights in the optimizer file, written when the model file holds a narrower dtype. */
const MASTER_PREFIX = 'master.';
const STEP_DIR = /^step-(\d+)$/;

/** Everything besides weights and moments that a resumed run needs. */
export interface TrainerState {
  /** Optimizer steps completed. */
  step: number;
  /** Epochs completed, fractional (HF's `epoch`); the data stream's own epoch is in `dataPosition`. */
  epoch: number;
  /** The data stream's resume position after the last consumed batch (serialisable). */
  dataPosition: unknown;
  seed: number;
  /** The resolved run configuration. */
  config: unknown;
  /** The log rows so far (one per step), so reports cover the whole run after a resume. */
  log?: unknown[];
  /** HF TrainerState bookkeeping (max_steps, best_metric, ...), written under HF's names in trainer_state.json. */
  hf?: HfTrainerBookkeeping;
}

export function stepDirName(step: number): string {
  return `step-${String(step).padStart(6, '0')}`;
}

/**
 * Writes `<outDir>/step-NNNNNN/` (HF model + optimizer moments + trainer state) atomically; returns its path.
 * With a sharded optimizer (ZeRO) the full moments are gathered first: rank 0 calls this while every other rank
 * calls `optimizer.stateTensors()`, so the checkpoint resumes on any number of ranks.
 * The model is stored in the save dtype (default: the model's own); the optimizer file stays float32 and, when that
 * dtype is narrower, also holds float32 master weights so that a resumed run continues from the exact weights.
 */
export async function saveTrainingCheckpoint(
  outDir: string,
  model: CausalLM,
  optimizer: AdamW,
  state: TrainerState,
  save: SaveOptions = {},
): Promise<string> {
  const dir = path.join(outDir, stepDirName(state.step));
  const moments = await optimizer.stateTensors();
  writeDirectoryAtomically(dir, (tmp) => {
    writePretrainedFiles(model, tmp, save);
    const masters = saveDtypeOf(model, save) === 'float32' ? [] : masterWeights(model);
    writeSafetensors(
      path.join(tmp, OPTIMIZER_FILE),
      [...moments, ...masters].map((t) => ({ ...t, dtype: 'F32' as const })),
      { optimizer: 'adamw', step: String(optimizer.step) },
    );
    fs.writeFileSync(path.join(tmp, TRAINER_STATE_FILE), JSON.stringify(trainerStateJson(state), null, 2) + '\n');
  });
  return dir;
}

function masterWeights(model: CausalLM): { name: string; shape: number[]; data: Float32Array }[] {
  return [...model.params].map(([name, v]) => ({ name: MASTER_PREFIX + name, shape: v.shape, data: v.dataSync() as Float32Array }));
}

/** Checkpoint directories under `outDir`, oldest first. */
export function listCheckpoints(outDir: string): string[] {
  if (!fs.existsSync(outDir)) return [];
  return fs
    .readdirSync(outDir)
    .filter((d) => STEP_DIR.test(d) && fs.existsSync(path.join(outDir, d, TRAINER_STATE_FILE)))
    .sort()
    .map((d) => path.join(outDir, d));
}

/** Resolves `resumeFrom`: a checkpoint directory, or `latest` = the newest under `outDir`. */
export function resolveCheckpoint(resumeFrom: string, outDir: string): string {
  if (resumeFrom === 'latest') {
    const all = listCheckpoints(outDir);
    if (all.length === 0) throw new Error(`resume: no checkpoint under ${outDir}`);
    return all[all.length - 1];
  }
  if (!fs.existsSync(path.join(resumeFrom, TRAINER_STATE_FILE))) {
    throw new Error(`resume: ${resumeFrom} is not a training checkpoint (no ${TRAINER_STATE_FILE})`);
  }
  return resumeFrom;
}

/** Deletes all but the newest `keepLast` checkpoints. */
export function pruneCheckpoints(outDir: string, keepLast: number): void {
  const all = listCheckpoints(outDir);
  for (const dir of all.slice(0, Math.max(0, all.length - keepLast))) fs.rmSync(dir, { recursive: true, force: true });
}

export function readTrainerState(dir: string): TrainerState {
  return trainerStateFromJson(readJsonFile(path.join(dir, TRAINER_STATE_FILE), 'trainer state'));
}

/**
 * Restores the optimizer moments and step of a checkpoint into `optimizer`. The parameters come from loadPretrained;
 * where the checkpoint holds float32 master weights (a float16/bfloat16 model file), they replace the rounded ones.
 */
export function restoreOptimizer(dir: string, optimizer: AdamW, model: CausalLM, step: number): void {
  const file = path.join(dir, OPTIMIZER_FILE);
  const ckpt = openCheckpoint(file);
  try {
    for (const [name, v] of model.params) {
      const master = MASTER_PREFIX + name;
      if (!ckpt.has(master)) continue;
      const info = ckpt.info(master);
      if (!tf.util.arraysEqual([...info.shape], v.shape)) {
        throw new Error(`${file}: tensor ${master} has shape [${info.shape}], the model's is [${v.shape}]`);
      }
      const value = tf.tensor(ckpt.read(master), v.shape, 'float32');
      v.assign(value);
      value.dispose();
    }
    optimizer.loadState(step, (name) => (ckpt.has(name) ? ckpt.read(name) : undefined), model.params);
  } finally {
    ckpt.close();
  }
}
