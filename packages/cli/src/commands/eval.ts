import { selectBackend, type BackendName } from '@dft/core';
import { loadModel, MODEL_OPTIONS, modelDirectory } from '../load-model.js';
import { evaluate, resultsMarkdown, scorePredictionsFile, writeResults, type ResultRow, type WrittenResults } from '@dft/eval';
import { claimOutDir } from '../out-dir/claim-out-dir.js';
import { BACKEND_OPTION, type Command, languagesOption, microBatchOption, numberOpt, stringOpt, switchOption, UsageError, valueOption } from '../command.js';
import { evalProgress } from './eval-progress.js';

/** `--data task[:lang]=path` pairs → the evaluators' per-task paths. */
function dataPaths(list: string[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of list ?? []) {
    const at = item.indexOf('=');
    if (at <= 0) throw new UsageError(`--data expects task[:lang]=path, got "${item}"`);
    out[item.slice(0, at)] = item.slice(at + 1);
  }
  return out;
}

function report(rows: ResultRow[], json: boolean, files: WrittenResults | null): void {
  if (json) process.stdout.write(JSON.stringify(rows) + '\n');
  else process.stdout.write(resultsMarkdown(rows));
  if (files) process.stderr.write(`results: ${[files.json, files.markdown, files.harness, ...files.samples, ...files.predictions].join('\n         ')}\n`);
}

export const evalCommand: Command = {
  name: 'eval',
  summary: 'zero-shot evaluation (xnli, xcopa, xstorycloze, mmlu, truthfulqa_mc1/mc2, xquad, mlqa, mkqa)',
  usage: 'dft eval --model <dir> --tasks <task[:lang],...> [--limit N] [--out dir [--log-samples]] [--json] | dft eval --tasks xquad:zh --predictions preds.jsonl',
  options: {
    ...MODEL_OPTIONS,
    tasks: valueOption('comma-separated tasks, e.g. xcopa:zh,xquad:zh,mmlu or harness names (xcopa_zh, mlqa_zh_zh); no language = its default languages'),
    languages: languagesOption('languages for tasks named without one (comma-separated)', ),
    limit: valueOption('examples per task: a count, or a fraction in (0, 1)'),
    seed: valueOption('with --limit: a seeded random subset instead of the first examples'),
    'micro-batch': microBatchOption('examples per forward pass / prompts decoded together (default 8)'),
    'max-new-tokens': valueOption('most tokens per generated answer (default 64)', { deprecatedNames: ['max-gen-tokens'] }),
    'eval-data-dir': valueOption('folder with the upstream sets (default ../shared/data/eval or $DFT_EVAL_DATA)', { deprecatedNames: ['data-dir'] }),
    data: valueOption('file or folder for one task: task[:lang]=path (repeatable)', { multiple: true }),
    out: valueOption('write eval-<model>.json / .md (merged with earlier runs) and a new results_<time>.json (lm-evaluation-harness layout) here'),
    'write-predictions': switchOption('also write per-example predictions (JSONL) into --out'),
    'log-samples': switchOption('also write samples_<task>_<time>.jsonl (prompts, per-choice log-likelihoods, answers) into --out'),
    predictions: valueOption('score a JSONL file of {id, prediction} for one QA task, without a model'),
    name: valueOption('model name in results and file names (default: the model folder name)'),
    json: switchOption('print the result rows as one JSON array'),
    backend: BACKEND_OPTION,
  },
  longInputs:
    "prompts longer than the model's max_position_embeddings lose tokens on the left, as lm-evaluation-harness does (generation keeps room for --max-new-tokens); the results' truncated column counts them.",
  examples: [
    'dft eval --model out/final --tasks xcopa:zh,xquad:zh --limit 200 --out out/eval',
    'dft eval --model out/final --tasks xcopa_zh,xnli_zh --out out/eval --log-samples',
    'dft eval --tasks xquad:zh --predictions preds.jsonl --json',
    'dft eval --model models/llama2 --tasks mmlu --data mmlu=path/to/mmlu_test_folder',
  ],
  async run(values) {
    const tasksArg = stringOpt(values, 'tasks', true);
    const dataOpts = { dataDir: stringOpt(values, 'eval-data-dir'), paths: dataPaths(values.data as string[] | undefined) };
    const out = stringOpt(values, 'out');
    const predictions = stringOpt(values, 'predictions');
    if (predictions) {
      const name = stringOpt(values, 'name') ?? 'predictions';
      const { rows } = await scorePredictionsFile({ task: tasksArg, predictions, model: name, ...dataOpts });
      const lock = out ? claimOutDir(out, 'eval', (l) => process.stderr.write(`${l}\n`)) : null;
      try {
        report(rows, Boolean(values.json), out ? writeResults(out, rows, name) : null);
      } finally {
        lock?.release();
      }
      return 0;
    }
    const dir = stringOpt(values, 'model');
    if (!dir) throw new UsageError('--model is required (or --predictions to score a file)');
    const name = stringOpt(values, 'name') ?? dir.replace(/\/+$/, '').split('/').pop()!;
    if (values['write-predictions'] && !out) throw new UsageError('--write-predictions needs --out');
    if (values['log-samples'] && !out) throw new UsageError('--log-samples needs --out');
    // Every option is read before the model is loaded, so a usage error costs no load.
    const options = {
      tasks: tasksArg.split(',').map((t) => t.trim()).filter(Boolean),
      langs: stringOpt(values, 'languages')?.split(','),
      limit: numberOpt(values, 'limit', { above: 0 }),
      seed: numberOpt(values, 'seed', { integer: true, min: 0 }),
      batchSize: numberOpt(values, 'micro-batch', { integer: true, min: 1 }),
      maxGenTokens: numberOpt(values, 'max-new-tokens', { integer: true, min: 1 }),
      modelName: name,
      onProgress: evalProgress(),
      ...dataOpts,
    };
    // A Hub id is resolved from the cache before --out is claimed, so a model that is not cached leaves nothing.
    const modelDir = modelDirectory(dir, stringOpt(values, 'revision'));
    // The output folder is claimed (created, locked, so proved writable) before the evaluation, not after it.
    const lock = out ? claimOutDir(out, 'eval', (l) => process.stderr.write(`${l}\n`)) : null;
    try {
      await selectBackend({ prefer: stringOpt(values, 'backend') as BackendName | undefined });
      const { model, tokenizer } = loadModel(modelDir);
      let result;
      try {
        result = await evaluate({ model, tokenizer, ...options });
      } finally {
        model.dispose();
      }
      const { rows, runs, startedAt } = result;
      const write = { runs, startedAt, modelPath: dir, predictions: Boolean(values['write-predictions']), logSamples: Boolean(values['log-samples']) };
      report(rows, Boolean(values.json), out ? writeResults(out, rows, name, write) : null);
    } finally {
      lock?.release();
    }
    return 0;
  },
};
