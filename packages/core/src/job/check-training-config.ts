import { DFT_METHODS } from '@dft/losses';
import { BACKEND_ORDER } from '../backend/select-backend.js';
import type { TrainingConfig } from './training-config.js';

/**
 * Names where a problem comes from, given the settings it concerns (the first to blame first; none for a required
 * setting that is missing): `dft train` names the config file or the command line that set it.
 */
export type SettingSource = (keys: readonly string[]) => string;

/** The settings that are numbers. */
export const TRAINING_NUMBER_KEYS = ['lambdaLc', 'lambdaEt', 'lr', 'epochs', 'globalBatch', 'microBatch', 'warmupRatio', 'warmupSteps', 'weightDecay', 'adamBeta1', 'adamBeta2', 'adamEpsilon', 'maxGradNorm', 'maxLength', 'maxSteps', 'seed', 'saveEvery', 'keepLast', 'evalEvery', 'evalSteps', 'evalMaxExamples', 'evalLimit', 'finalEvalLimit', 'workers', 'zeroStage', 'lossChunkTokens'] as const;

/**
 * Refuses a training configuration that cannot run, naming the setting and its value: `where(keys)` + ": " + what is
 * wrong. The values must already have their types (numbers, booleans, lists): parsing text is the caller's part.
 */
export function checkTrainingConfig(c: TrainingConfig, where: SettingSource = () => 'training settings'): void {
  const fail = (keys: readonly string[], what: string): never => {
    throw new Error(`${where(keys)}: ${what}`);
  };
  const oneOf = (value: unknown, allowed: readonly string[], key: string) => {
    if (allowed.includes(value as string)) return;
    if (key === 'method') fail([key], `unknown method ${JSON.stringify(value)} (${allowed.join(', ')})`);
    fail([key], `"${key}" must be one of ${allowed.join(', ')}, got ${JSON.stringify(value)}`);
  };
  if (!c.model) fail([], `"model" (a model directory) is required`);
  if (!c.data || (Array.isArray(c.data) && c.data.length === 0)) fail([], `"data" is required`);
  if (!c.out) fail([], `"out" (output directory) is required`);
  for (const k of TRAINING_NUMBER_KEYS) if (c[k] !== undefined && (typeof c[k] !== 'number' || !Number.isFinite(c[k]))) fail([k], `"${k}" must be a number, got ${JSON.stringify(c[k])}`);
  for (const k of ['lcLayer', 'etLayer'] as const) {
    const v = c[k];
    if (v !== undefined && v !== 'auto' && !(Number.isInteger(v) && v >= 0)) fail([k], `"${k}" must be a layer index or "auto", got ${JSON.stringify(v)}`);
  }
  oneOf(c.method, DFT_METHODS, 'method');
  oneOf(c.pool, ['mean', 'last'], 'pool');
  oneOf(c.schedule, ['cosine', 'linear', 'constant'], 'schedule');
  if (c.revision !== undefined && (typeof c.revision !== 'string' || !c.revision)) fail(['revision'], `"revision" must be a branch, tag or commit hash, got ${JSON.stringify(c.revision)}`);
  if (c.dtype !== undefined) oneOf(c.dtype, ['float32', 'float16', 'bfloat16'], 'dtype');
  if (c.backend !== undefined) oneOf(c.backend, BACKEND_ORDER, 'backend');
  if (![0, 1, 2].includes(c.zeroStage)) fail(['zeroStage'], `"zeroStage" must be 0, 1 or 2, got ${c.zeroStage}`);
  for (const k of ['globalBatch', 'microBatch', 'epochs', 'keepLast', 'maxLength', 'workers'] as const) {
    if (!Number.isInteger(c[k]) || c[k] < 1) fail([k], `"${k}" must be a positive integer, got ${c[k]}`);
  }
  if (c.maxSteps !== undefined && (!Number.isInteger(c.maxSteps) || c.maxSteps < 1)) fail(['maxSteps'], `"maxSteps" must be a positive integer, got ${c.maxSteps}`);
  for (const k of ['evalLimit', 'finalEvalLimit'] as const) {
    const v = c[k];
    if (v !== undefined && !(v > 0 && (v < 1 || Number.isInteger(v)))) fail([k], `"${k}" must be a count or a fraction in (0, 1), got ${v}`);
  }
  if (c.evalMaxExamples !== undefined && (!Number.isInteger(c.evalMaxExamples) || c.evalMaxExamples < 1)) fail(['evalMaxExamples'], `"evalMaxExamples" must be a positive integer, got ${c.evalMaxExamples}`);
  // HF's report_to: "all" is every integration there is (here TensorBoard), "none" none.
  for (const r of c.reportTo) oneOf(r, ['tensorboard', 'all', 'none'], 'reportTo');
  for (const k of ['saveEvery', 'evalEvery', 'evalSteps', 'seed', 'warmupSteps', 'lossChunkTokens'] as const) {
    if (c[k] !== undefined && (!Number.isInteger(c[k]) || c[k]! < 0)) fail([k], `"${k}" must be an integer ≥ 0, got ${c[k]}`);
  }
  for (const k of ['lambdaLc', 'lambdaEt', 'weightDecay', 'maxGradNorm'] as const) if (c[k] < 0) fail([k], `"${k}" must be ≥ 0, got ${c[k]}`);
  for (const k of ['adamBeta1', 'adamBeta2'] as const) if (!(c[k] >= 0 && c[k] < 1)) fail([k], `"${k}" must be in [0, 1), got ${c[k]}`);
  if (!(c.adamEpsilon > 0)) fail(['adamEpsilon'], `"adamEpsilon" must be > 0, got ${c.adamEpsilon}`);
  if (!(c.lr > 0)) fail(['lr'], `"lr" must be > 0, got ${c.lr}`);
  if (!(c.warmupRatio >= 0 && c.warmupRatio <= 1)) fail(['warmupRatio'], `"warmupRatio" must be in [0, 1], got ${c.warmupRatio}`);
  if (c.globalBatch % (c.microBatch * c.workers) !== 0) {
    fail(
      ['globalBatch', 'microBatch', 'workers'],
      `globalBatch ${c.globalBatch} is not a multiple of microBatch ${c.microBatch} × workers ${c.workers} (microBatch is per rank: globalBatch = microBatch × workers × accumulation steps)`,
    );
  }
  if (c.method.startsWith('dft-')) {
    if (c.lambdaLc > 0 && c.lcLayer === undefined) fail(['method'], `method ${c.method} needs "lcLayer" (a layer index, or "auto")`);
    if (c.lambdaEt > 0 && c.etLayer === undefined) fail(['method'], `method ${c.method} needs "etLayer" (a layer index, or "auto")`);
  }
}
