import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { prepareParallel } from '@dft/data';
import { TINY_LLAMA } from './fixtures.js';

/** The 300-row en–zh Alpaca slice bundled with the examples (real data). */
export const SLICE = fileURLToPath(new URL('../../../../examples/data/alpaca-en-zh-300.json', import.meta.url));

/**
 * Its first `records` records prepared with the tiny LLaMA's tokenizer into `outDir` (as `dft prepare --limit`
 * does); returns the train split's file.
 */
export async function prepareSlice(outDir: string, records: number, opts: { maxLength?: number; validationFraction?: number } = {}): Promise<string> {
  await prepareParallel({ input: SLICE, tokenizer: TINY_LLAMA, outDir, limit: records, maxLength: opts.maxLength ?? 128, validationFraction: opts.validationFraction, jobs: 1 });
  return join(outDir, 'train.arrow');
}
