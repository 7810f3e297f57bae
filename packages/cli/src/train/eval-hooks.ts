import type { AutoLayerResolver, TaskEvaluator } from '@dft/core';
import { evaluate, writeResults, type ResultRow } from '@dft/eval';
import { resolveAutoLayers } from '../commands/layers.js';

/**
 * The job's benchmark evaluations, as `dft eval` runs them: each leaves its result files in the job's output folder
 * (the harness's results_<time>.json included), named after the step it evaluated.
 */
export const evaluateTasks: TaskEvaluator<ResultRow> = async ({ model, tokenizer, tasks, limit, name, out, config }) => {
  const evaluated = await evaluate({ model, tokenizer, tasks, limit, modelName: name, dataDir: config.evalDataDir, paths: config.evalData });
  const files = writeResults(out, evaluated.rows, name, { startedAt: evaluated.startedAt, modelPath: config.model });
  return { rows: evaluated.rows, files };
};

/** `lcLayer` / `etLayer` "auto": the pair the layer analysis (`dft layers`) suggests on the train split. */
export const autoLayers: AutoLayerResolver = async ({ model, data, languages, tokenizerHash }) => {
  const r = await resolveAutoLayers({ model, data, langs: languages, tokenizerHash });
  return { lcLayer: r.lcLayer, etLayer: r.etLayer, why: r.suggestion.explanation };
};
