import { existsSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { selectBackend, type BackendName, type CausalLM } from '@dft/core';
import { loadModel, MODEL_OPTIONS, modelDirectory } from '../load-model.js';
import { openDataset, SIDECAR_NAME, type Dataset } from '@dft/data';
import { analyzeLayers, collectLayerExamples, type DropRuleOptions, type EntropyPositions, type LayerAnalysis, type LayerExample, type LayerSuggestion } from '@dft/eval';
import { LAYERS_FILES, layersReport, layersTable, suggestFromAnalysis, writeLayersReport } from '@dft/eval/internal';
import { screenshotHtml } from '../report/screenshot.js';
import type { Pool } from '@dft/losses';
import { BACKEND_OPTION, type Command, languagesOption, microBatchOption, numberOpt, stringOpt, switchOption, UsageError, valueOption } from '../command.js';
import { checkData } from '@dft/core/internal';

/** Rows per target language read for the analysis when no limit is given. */
export const DEFAULT_LAYERS_LIMIT = 200;

/** A prepared split: a `.arrow` file, or a prepared folder (its `train.arrow`). */
export function layerDataFile(path: string): string {
  if (!existsSync(path)) throw new Error(`${path}: not found (expected a prepared .arrow file or a folder written by dft prepare)`);
  if (statSync(path).isDirectory()) {
    if (!existsSync(join(path, SIDECAR_NAME))) throw new Error(`${path}: a folder without ${SIDECAR_NAME}, not one written by dft prepare`);
    return join(path, 'train.arrow');
  }
  return path;
}

/** Checks that the split was tokenised for this model (same tokenizer.json, ids inside its vocabulary). */
/** The examples of a prepared split: `limit` rows per target language (all languages unless `langs` names some). */
export async function readLayerExamples(ds: Dataset, langs: readonly string[] | undefined, limit: number): Promise<LayerExample[]> {
  return collectLayerExamples(ds.batches({ batchSize: 64, kinds: ['tft', 'en'], shuffle: false }), { langs, limit, source: ds.path });
}

export interface AutoLayersOptions {
  model: CausalLM;
  /** A prepared split (path or open Dataset; an open one is left open). */
  data: string | Dataset;
  /** Target languages to read (default every language of the data). */
  langs?: readonly string[];
  /** Rows per target language (default 200). */
  limit?: number;
  /** Prompts per forward pass (default 4). */
  batchSize?: number;
  rule?: DropRuleOptions;
  /** Refuse data prepared with another tokenizer (`Tokenizer.hash`). */
  tokenizerHash?: string;
  onProgress?: (done: number, total: number) => void;
}

export interface AutoLayers {
  lcLayer: number;
  etLayer: number;
  suggestion: LayerSuggestion;
  analysis: LayerAnalysis;
}

/**
 * Resolves `lcLayer: "auto"` / `etLayer: "auto"`: runs the layer analysis on target-language prompts of a
 * prepared split and applies the drop rule (what `dft layers` prints as "suggested").
 */
export async function resolveAutoLayers(opts: AutoLayersOptions): Promise<AutoLayers> {
  const ds = typeof opts.data === 'string' ? await openDataset(layerDataFile(opts.data)) : opts.data;
  try {
    checkData(ds, opts.model, opts.tokenizerHash, 'the model');
    const targets = opts.langs?.filter((l) => l !== 'en');
    const examples = await readLayerExamples(ds, targets?.length ? targets : undefined, opts.limit ?? DEFAULT_LAYERS_LIMIT);
    const langs = [...new Set(examples.map((e) => e.lang))].filter((l) => l !== 'en');
    const analysis = analyzeLayers({ model: opts.model, examples, langs: langs.length ? langs : ['en'], batchSize: opts.batchSize, onProgress: opts.onProgress });
    const suggestion = suggestFromAnalysis(analysis, opts.rule);
    return { lcLayer: suggestion.lcLayer, etLayer: suggestion.etLayer, suggestion, analysis };
  } finally {
    if (typeof opts.data === 'string') await ds.close();
  }
}

function choiceOpt<T extends string>(values: Record<string, unknown>, name: string, choices: readonly T[]): T | undefined {
  const v = stringOpt(values, name);
  if (v !== undefined && !choices.includes(v as T)) throw new UsageError(`--${name} must be ${choices.join(' or ')}, got "${v}"`);
  return v as T | undefined;
}

function ruleOptions(values: Record<string, unknown>): DropRuleOptions {
  const rule: DropRuleOptions = {};
  const smooth = numberOpt(values, 'smooth', { integer: true, min: 1 });
  if (smooth !== undefined) {
    if (smooth % 2 === 0) throw new UsageError(`--smooth must be odd, got ${smooth}`);
    rule.smooth = smooth;
  }
  const gap = numberOpt(values, 'min-gap', { integer: true, min: 1 });
  if (gap !== undefined) rule.minGap = gap;
  const rel = numberOpt(values, 'rel-drop', { min: 0 });
  if (rel !== undefined) rule.relDrop = rel;
  if (values['include-final']) rule.includeFinal = true;
  return rule;
}

const modelName = (dir: string) => basename(resolve(dir));

/** Window height that shows the alignment chart and every model's charts. */
const screenshotHeight = (models: number) => 520 + 470 * models;

export const layersCommand: Command = {
  name: 'layers',
  summary: 'per-layer logit-lens entropy and cross-lingual alignment; suggests lcLayer / etLayer',
  usage: 'dft layers --model <dir> --data <prepared.arrow|dir> [--languages zh,en] [--limit N] [--compare <dir>] [--out dir] [--json]',
  options: {
    ...MODEL_OPTIONS,
    data: valueOption('prepared split (.arrow) or folder written by dft prepare (reads train.arrow)'),
    languages: languagesOption('languages to report, comma-separated; en = the English side (default: every language of the data, and en)', ),
    limit: valueOption(`rows per target language (default ${DEFAULT_LAYERS_LIMIT})`),
    compare: valueOption('second model directory (e.g. after DFT): its curves are drawn next to the first'),
    out: valueOption('folder for layers.json, layers.html, layers.png (default layers-<model name>)'),
    pool: valueOption('alignment pooling: mean over the query tokens (default) | last prompt token'),
    positions: valueOption('entropy averaged over: query tokens (default) | prompt (every prompt token)'),
    'micro-batch': microBatchOption('prompts per forward pass (default 4)'),
    smooth: valueOption('drop rule: running-median window in layers, odd (default 3)'),
    'min-gap': valueOption('drop rule: least layers between the two drops (default round(L/8), at least 1)'),
    'rel-drop': valueOption("drop rule: least drop as a fraction of the curve's range (default 0.1)"),
    'include-final': switchOption('drop rule: let the drop into the final-normed state count'),
    'no-png': switchOption('do not render layers.png with headless Chromium'),
    chromium: valueOption('browser for the PNG (default $DFT_CHROMIUM, else chromium on PATH; skipped if none)'),
    seed: valueOption('seed of the random initialisation for a model folder without weights (default 0)'),
    json: switchOption('print the report JSON instead of the tables'),
    backend: BACKEND_OPTION,
  },
  longInputs:
    "examples come from prepared data (see dft prepare); data prepared with a max length above the model's max_position_embeddings is refused.",
  examples: [
    'dft layers --model models/llama2-7b --data data/zh/train.arrow --languages zh,en --limit 200',
    'dft layers --model models/llama2-7b --compare out/dft-logits/final --data data/zh --out layers-before-after',
    'dft layers --model fixtures/models/tiny-llama --data /tmp/x --limit 20 --no-png --json',
  ],
  async run(values) {
    const modelDir = stringOpt(values, 'model', true);
    const dataArg = stringOpt(values, 'data', true);
    const compareDir = stringOpt(values, 'compare');
    const langs = stringOpt(values, 'languages')?.split(',').map((l) => l.trim()).filter(Boolean);
    if (langs && langs.length === 0) throw new UsageError('--languages names no language');
    const limit = numberOpt(values, 'limit', { integer: true, min: 1 }) ?? DEFAULT_LAYERS_LIMIT;
    const batchSize = numberOpt(values, 'micro-batch', { integer: true, min: 1 });
    const seed = numberOpt(values, 'seed', { integer: true, min: 0 }) ?? 0;
    const pool = choiceOpt<Pool>(values, 'pool', ['mean', 'last']);
    const positions = choiceOpt<EntropyPositions>(values, 'positions', ['query', 'prompt']);
    const rule = ruleOptions(values);
    const out = stringOpt(values, 'out') ?? `layers-${modelName(modelDir)}`;
    const log = (line: string) => process.stderr.write(`${line}\n`);
    // Hub ids are resolved before any work, so a model missing from the cache fails first. --revision names a
    // revision of --model; --compare is usually a local checkpoint.
    const revision = stringOpt(values, 'revision');
    const models = (compareDir ? [modelDir, compareDir] : [modelDir]).map((ref, i) => ({ ref, dir: modelDirectory(ref, i === 0 ? revision : undefined) }));

    await selectBackend({ prefer: stringOpt(values, 'backend') as BackendName | undefined });
    const file = layerDataFile(dataArg);
    const ds = await openDataset(file);
    let examples: LayerExample[];
    try {
      examples = await readLayerExamples(ds, langs, limit);
      const analyses: { model: string; analysis: LayerAnalysis }[] = [];
      for (const { ref: dir, dir: resolved } of models) {
        const { model, tokenizer } = loadModel(resolved, { seed });
        try {
          checkData(ds, model, tokenizer?.hash, dir);
          log(`layers: ${dir}: ${model.numLayers} layers, ${examples.length} rows of ${file}`);
          let shown = 0;
          const analysis = analyzeLayers({
            model,
            examples,
            langs,
            pool,
            positions,
            batchSize,
            onProgress: (done, total) => {
              if (done === total || done - shown >= total / 10) {
                shown = done;
                log(`layers: ${done}/${total} rows`);
              }
            },
          });
          analyses.push({ model: dir, analysis });
        } finally {
          model.dispose();
        }
      }
      const report = layersReport(analyses, resolve(file), rule);
      const files = writeLayersReport(out, report);
      if (values.json) process.stdout.write(JSON.stringify(report) + '\n');
      else process.stdout.write(report.models.map(layersTable).join('\n'));
      log(`layers: wrote ${files.json}\n        ${files.html}`);
      if (!values['no-png']) {
        const shot = await screenshotHtml(files.html, join(out, LAYERS_FILES.png), {
          chromium: stringOpt(values, 'chromium'),
          height: screenshotHeight(report.models.length),
        });
        log('png' in shot ? `        ${shot.png}` : `layers: ${shot.skipped}`);
      }
    } finally {
      await ds.close();
    }
    return 0;
  },
};
