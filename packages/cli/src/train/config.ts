import { existsSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { isHubId, TRAINING_DEFAULTS, type TrainingConfig } from '@dft/core';
import { checkTrainingConfig, TRAINING_NUMBER_KEYS } from '@dft/core/internal';
import { UsageError } from '../command.js';
import { didYouMean } from '../did-you-mean.js';
import { fromHfNames, hfBatchSizes, HF_SETTING_NAMES } from './hf-training-args.js';

/** The paper's recipe (Huo et al. 2025): AdamW lr 2e-5, 3 epochs, global batch 128, cosine, 3 % warmup, wd 0, max length 512. */
export const PRESETS: Record<string, Partial<TrainingConfig>> = {
  paper: { lr: 2e-5, epochs: 3, globalBatch: 128, schedule: 'cosine', warmupRatio: 0.03, weightDecay: 0, maxLength: 512 },
};

type Raw = Record<string, unknown>;

/** `position N` in a JSON.parse message → `line L, column C` of `text` (Node 20 reports only the offset). */
function jsonWhere(text: string, message: string): string {
  const m = /position (\d+)/.exec(message);
  if (!m) return '';
  const before = text.slice(0, Number(m[1]));
  const line = before.split('\n').length;
  return ` (line ${line}, column ${before.length - before.lastIndexOf('\n')})`;
}

/** Reads a JSON or YAML config; relative paths in it are resolved against the file's folder. */
export function readConfigFile(path: string): Raw {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new UsageError(`cannot read config ${path}: ${(e as Error).message}`);
  }
  const yaml = /\.ya?ml$/i.test(path);
  let raw: unknown;
  try {
    raw = yaml ? parseYaml(text) : JSON.parse(text);
  } catch (e) {
    const msg = (e as Error).message.split('\n')[0];
    throw new UsageError(`${path}: not valid ${yaml ? 'YAML' : 'JSON'}: ${msg}${yaml ? '' : jsonWhere(text, msg)}`);
  }
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw new UsageError(`${path}: a config must be an object of settings`);
  const base = dirname(resolve(path));
  const rel = (p: unknown) => (typeof p === 'string' && !isAbsolute(p) ? resolve(base, p) : p);
  const out = { ...(raw as Raw) };
  for (const key of ['model', 'out', 'resumeFrom', 'evalDataDir', 'output_dir', 'resume_from_checkpoint'] as const) {
    // A Hub id (org/name) stays as written unless a folder of that name sits beside the config file.
    const hubId = key === 'model' && typeof out[key] === 'string' && isHubId(out[key]) && !existsSync(resolve(base, out[key]));
    if (out[key] !== undefined && out[key] !== 'latest' && !hubId) out[key] = rel(out[key]);
  }
  if (out.data !== undefined) out.data = Array.isArray(out.data) ? out.data.map(rel) : rel(out.data);
  if (out.evalData && typeof out.evalData === 'object') {
    out.evalData = Object.fromEntries(Object.entries(out.evalData as Raw).map(([k, v]) => [k, rel(v)]));
  }
  return out;
}


/**
 * Merges defaults ← preset ← layers (e.g. file ← flags) and checks every field. `where` names the source in errors:
 * one name, or one per layer (an error about a setting then names the layer that set it).
 */
export function resolveConfig(layers: Raw[], where: string | string[]): TrainingConfig {
  const names = layers.map((_, i) => (Array.isArray(where) ? where[i] ?? where[where.length - 1] : where));
  const fallback = names[names.length - 1] ?? (Array.isArray(where) ? 'config' : where);
  const origin = new Map<string, string>();
  const at = (k: string) => origin.get(k) ?? fallback;
  const everywhere = [...new Set(names)].join(' + ') || fallback;
  // A preset sits between the defaults and every explicit setting: `--preset paper` on the command line must not
  // undo an `lr` written in the config file. The last layer naming a preset picks it.
  layers.forEach((l, i) => l.preset !== undefined && origin.set('preset', names[i]));
  const preset = layers.map((l) => l.preset).filter((p) => p !== undefined).pop();
  if (preset !== undefined && (typeof preset !== 'string' || !Object.hasOwn(PRESETS, preset))) {
    throw new UsageError(`${at('preset')}: unknown preset ${JSON.stringify(preset)} (known: ${Object.keys(PRESETS).join(', ')})`);
  }
  const merged: Raw = { ...TRAINING_DEFAULTS, ...(preset ? PRESETS[preset as string] : {}) };
  // Which layer last set each batch size, and whether under HF's name (per device / accumulation steps).
  type BatchSource = { hf: boolean; value: unknown; where: string };
  let microFrom: BatchSource | undefined;
  let globalFrom: BatchSource | undefined;
  layers.forEach((layer, i) => {
    const { settings, batch } = fromHfNames(layer, names[i]);
    for (const [k, v] of Object.entries(settings)) {
      if (k === 'preset' || v === undefined) continue;
      merged[k] = v;
      origin.set(k, names[i]);
    }
    if (settings.microBatch !== undefined) microFrom = { hf: false, value: settings.microBatch, where: names[i] };
    if (batch.perDevice !== undefined) microFrom = { hf: true, value: batch.perDevice, where: names[i] };
    if (settings.globalBatch !== undefined) globalFrom = { hf: false, value: settings.globalBatch, where: names[i] };
    if (batch.accumulation !== undefined) globalFrom = { hf: true, value: batch.accumulation, where: names[i] };
  });
  const known = new Set<string>([...Object.keys(TRAINING_DEFAULTS), 'model', 'data', 'out', 'languages', 'lcLayer', 'etLayer', 'maxSteps', 'warmupSteps', 'resumeFrom', 'finalEvalLimit', 'evalDataDir', 'evalData', 'backend', 'dtype', 'revision', 'evalMaxExamples', 'lossChunkTokens']);
  for (const k of Object.keys(merged)) if (!known.has(k)) throw new UsageError(`${at(k)}: unknown setting "${k}"${didYouMean(k, [...known, ...HF_SETTING_NAMES], (c) => `"${c}"`)}`);
  for (const k of TRAINING_NUMBER_KEYS) {
    const v = merged[k];
    if (v === undefined) continue;
    const n = typeof v === 'string' ? Number(v) : v;
    if (typeof n !== 'number' || !Number.isFinite(n)) throw new UsageError(`${at(k)}: "${k}" must be a number, got ${JSON.stringify(v)}`);
    merged[k] = n;
  }
  const hfBatch = hfBatchSizes(microFrom, globalFrom, Number(merged.workers), merged.microBatch);
  for (const [k, v] of Object.entries(hfBatch)) {
    merged[k] = v;
    origin.set(k, (k === 'microBatch' ? microFrom : globalFrom ?? microFrom)!.where);
  }
  for (const k of ['lcLayer', 'etLayer'] as const) {
    const v = merged[k];
    if (v === undefined || v === 'auto') continue;
    const n = typeof v === 'string' ? Number(v) : v;
    if (!Number.isInteger(n) || (n as number) < 0) throw new UsageError(`${at(k)}: "${k}" must be a layer index or "auto", got ${JSON.stringify(v)}`);
    merged[k] = n;
  }
  for (const k of ['detachTeacher', 'bucketByLength', 'gradientCheckpointing', 'overwrite', 'allowConfigChange'] as const) {
    const v = merged[k];
    if (v === 'true' || v === 'false') merged[k] = v === 'true';
    else if (typeof v !== 'boolean') throw new UsageError(`${at(k)}: "${k}" must be true or false, got ${JSON.stringify(v)}`);
  }
  for (const k of ['evalTasks', 'finalEvalTasks', 'freeze', 'languages', 'reportTo'] as const) {
    const v = merged[k];
    if (typeof v === 'string') merged[k] = v.split(',').map((s) => s.trim()).filter(Boolean);
    else if (v !== undefined && !(Array.isArray(v) && v.every((x) => typeof x === 'string'))) {
      throw new UsageError(`${at(k)}: "${k}" must be a list of strings (or one comma-separated string), got ${JSON.stringify(v)}`);
    }
  }
  for (const k of ['model', 'out', 'resumeFrom', 'evalDataDir'] as const) {
    if (merged[k] !== undefined && typeof merged[k] !== 'string') throw new UsageError(`${at(k)}: "${k}" must be a path (a string), got ${JSON.stringify(merged[k])}`);
  }
  const data = merged.data;
  if (data !== undefined && typeof data !== 'string' && !(Array.isArray(data) && data.every((x) => typeof x === 'string'))) {
    throw new UsageError(`${at('data')}: "data" must be a path or a list of paths, got ${JSON.stringify(data)}`);
  }
  const evalData = merged.evalData;
  if (evalData !== undefined && (typeof evalData !== 'object' || evalData === null || Array.isArray(evalData) || !Object.values(evalData).every((x) => typeof x === 'string'))) {
    throw new UsageError(`${at('evalData')}: "evalData" must map task[:lang] to a path, got ${JSON.stringify(evalData)}`);
  }
  const c = merged as unknown as TrainingConfig;
  try {
    // A problem names the layer that set the setting to blame (a missing one: every layer).
    checkTrainingConfig(c, (keys) => (keys.length === 0 ? everywhere : at(keys.find((k) => origin.has(k)) ?? keys[keys.length - 1]!)));
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  return c;
}
