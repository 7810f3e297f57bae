import { prepareParallel } from '@dft/data';
import type { PrepareProgress } from '@dft/data';
import { availableParallelism } from 'node:os';
import { claimOutDir } from '../out-dir/claim-out-dir.js';
import { type Command, numberOpt, stringOpt, switchOption, UsageError, valueOption } from '../command.js';
import { prepareProgressBar } from './prepare-progress.js';

export const prepareCommand: Command = {
  name: 'prepare',
  summary: 'tokenise parallel instruction data into Arrow IPC files (train/validation) with a JSON sidecar',
  usage: 'dft prepare --input <file|dir>... --tokenizer <model dir> --out <dir> [--target-input <file> --lang <l>]',
  options: {
    input: valueOption('source files/folders: parallel en_*/<lang>_* JSON, Alpaca JSON/JSONL, Parquet, HF Arrow', { multiple: true }),
    'target-input': valueOption('row-aligned translated Alpaca file(s) (two-file form; needs --lang)', { multiple: true }),
    lang: valueOption('language of --target-input (e.g. vi, ar)'),
    languages: valueOption('comma-separated languages to keep from the parallel form (default all)'),
    tokenizer: valueOption('model directory holding tokenizer.json'),
    out: valueOption('output directory (<split>.arrow + dataset.json)'),
    'max-length': valueOption('longest sequence in tokens (default 512)'),
    'min-score': valueOption('drop rows whose translation score is below this'),
    validation: valueOption('fraction of ids hashed into validation.arrow (default 0)'),
    limit: valueOption('read at most N source records'),
    template: valueOption('prompt template name (default alpaca)'),
    format: valueOption('input format when the extension does not tell (json, jsonl, parquet, arrow)'),
    jobs: valueOption(`tokenising jobs (default: the number of cores, ${availableParallelism()} here): Rust engine, N encode calls in flight on one tokenizer; JS engine, the main thread and N - 1 worker threads; the output is the same for any number`),
    json: switchOption('print the summary as JSON'),
  },
  longInputs:
    'sequences longer than --max-length are cut at the end of the response (counted as truncated); an example whose prompt alone reaches --max-length is dropped (counted as too long).',
  examples: [
    'dft prepare --input ../shared/data/train/alpaca-en-zh --tokenizer fixtures/models/tiny-llama --out data/en-zh --validation 0.01',
    'dft prepare --input alpaca_data.json --target-input alpaca_vi.json --lang vi --tokenizer models/llama2 --out data/en-vi',
  ],
  async run(values) {
    const input = (values.input as string[] | undefined) ?? [];
    if (input.length === 0) throw new UsageError('--input is required');
    const outDir = stringOpt(values, 'out', true);
    const bar = prepareProgressBar();
    const options = {
      input,
      targetInput: values['target-input'] as string[] | undefined,
      lang: stringOpt(values, 'lang'),
      languages: stringOpt(values, 'languages')?.split(','),
      tokenizer: stringOpt(values, 'tokenizer', true),
      outDir,
      maxLength: numberOpt(values, 'max-length', { integer: true, min: 1 }),
      minScore: numberOpt(values, 'min-score'),
      validationFraction: numberOpt(values, 'validation', { min: 0, max: 1 }),
      limit: numberOpt(values, 'limit', { integer: true, min: 1 }),
      template: stringOpt(values, 'template'),
      format: stringOpt(values, 'format') as never,
      jobs: numberOpt(values, 'jobs', { integer: true, min: 1 }),
      onProgress: bar ? (p: PrepareProgress) => bar.update(p) : undefined,
    };
    const lock = claimOutDir(outDir, 'prepare', (l) => process.stderr.write(`${l}\n`));
    let summary;
    try {
      summary = await prepareParallel(options);
    } finally {
      bar?.end();
      lock.release();
    }
    if (values.json) {
      process.stdout.write(JSON.stringify(summary, null, 2) + '\n');
    } else {
      const c = summary.counts;
      process.stdout.write(
        `prepared ${c.written} rows (${Object.entries(c.perLang).map(([l, n]) => `${l} ${n}`).join(', ')}) from ${c.records} records: ` +
          `${c.truncated} truncated, ${c.skippedEmpty} empty, ${c.filteredScore} below min score, ${c.droppedTooLong} too long\n` +
          Object.values(summary.files).map((f) => `  ${f}\n`).join('') +
          `  ${summary.sidecarPath}\n`,
      );
    }
    return 0;
  },
};
