import { loadPretrained, resolveModelDir, type Pretrained } from '@dft/core';
import { valueOption, type OptionSpec } from './command.js';

/** `--model` and `--revision`: every command that loads a model takes a directory or a Hub id from the local cache. */
export const MODEL_OPTIONS: Record<'model' | 'revision', OptionSpec> = {
  model: valueOption('Hugging Face model directory, or a Hub id (org/name) already in the local HF cache ($HF_HOME/hub)'),
  revision: valueOption('Hub revision of --model (org/name): a branch, tag or commit hash in the local HF cache (default main)'),
};

/** The directory a `--model` value names (a Hub id resolved from the local cache; nothing is downloaded). */
export function modelDirectory(ref: string, revision?: string): string {
  return resolveModelDir(ref, { revision });
}

/** The one place the CLI loads a model: resolves `--model` / `--revision`, then loads the directory. */
export function loadModel(ref: string, opts: { revision?: string; seed?: number } = {}): Pretrained & { dir: string } {
  const dir = modelDirectory(ref, opts.revision);
  return { ...loadPretrained(dir, { seed: opts.seed }), dir };
}
