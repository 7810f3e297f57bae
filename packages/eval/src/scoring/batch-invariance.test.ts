import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import type { CausalLM } from '@dft/core';
import { loadTask } from '../tasks/load-task.js';
import { sampleExamples } from '../tasks/sample.js';
import type { McExample } from '../tasks/types.js';
import { FIXTURES, HAS_SHARED, REPO_ROOT, SHARED_EVAL, SKIP_SHARED } from '../test-utils/paths.js';
import { useTinyModels } from '../test-utils/models.js';
import { loglikelihoods } from './loglikelihood.js';
import { tokenizeMc, type McRequest } from './tokenize-mc.js';
import { truncateRequests } from './truncate.js';

/** float32 rounding only: a padded row must score exactly what it scores alone. */
const TOL = 1e-4;
const BUNDLED = join(REPO_ROOT, 'examples', 'data', 'eval');

/** Every multiple-choice task on small real slices (the bundled XCOPA-zh) and on the package's fixtures. */
const ALWAYS: [string, string, Record<string, string>, number][] = [
  ['xcopa', 'zh', { xcopa: join(BUNDLED, 'xcopa') }, 24],
  ['xnli', 'zh', { xnli: join(FIXTURES, 'xnli', 'hf-zh.jsonl') }, 24],
  ['xnli', 'en', { xnli: join(FIXTURES, 'xnli', 'xnli.test.tsv') }, 24],
  ['xstorycloze', 'zh', { xstorycloze: join(FIXTURES, 'xstorycloze') }, 24],
  ['mmlu', 'en', { mmlu: join(FIXTURES, 'mmlu', 'original') }, 24],
  ['truthfulqa_mc1', 'vi', { truthfulqa_mc1: join(FIXTURES, 'truthfulqa') }, 24],
  ['truthfulqa_mc2', 'vi', { truthfulqa_mc2: join(FIXTURES, 'truthfulqa') }, 24],
];
/** Longer real slices where the shared evaluation data is present. */
const SHARED: [string, string, number][] = [
  ['xnli', 'ar', 4],
  ['xcopa', 'vi', 16],
  ['truthfulqa_mc2', 'en', 2],
];

describe('log-likelihoods do not depend on the batch size (padding never leaks)', () => {
  const tiny = useTinyModels();

  /** Requests fitted to the model; for tiny-gemma2 (1024 ids, no tokenizer of its own) the ids are folded into its vocabulary. */
  async function requests(model: CausalLM, examples: McExample[]): Promise<McRequest[]> {
    const vocab = model.config.vocabSize;
    const fold = (ids: number[]) => ids.map((t) => t % vocab);
    const reqs = (await Promise.all(examples.map((ex) => tokenizeMc(tiny.tok, ex)))).map((r) => ({ context: fold(r.context), continuations: r.continuations.map(fold) }));
    return truncateRequests(reqs, model.config.maxPositionEmbeddings, examples.map((ex) => ex.id)).requests;
  }

  /** Largest |ll(batch 1) − ll(batch 16)| over every choice (each batch picks its strategy as in a real run). */
  function maxGap(model: CausalLM, reqs: McRequest[]): number {
    const before = tf.memory().numTensors;
    const one = loglikelihoods(model, reqs, { batchSize: 1 });
    const many = loglikelihoods(model, reqs, { batchSize: 16 });
    expect(tf.memory().numTensors).toBe(before);
    let gap = 0;
    one.forEach((lls, i) => lls.forEach((ll, k) => {
      expect(Number.isFinite(ll)).toBe(true);
      gap = Math.max(gap, Math.abs(ll - many[i][k]));
    }));
    return gap;
  }

  it.each(ALWAYS)('%s:%s (bundled slice / fixtures), tiny-llama and tiny-gemma2', async (task, lang, paths, limit) => {
    const loaded = await loadTask(task, lang, { paths });
    if (loaded.kind !== 'mc') throw new Error(`${task} is not multiple choice`);
    const examples = sampleExamples(loaded.examples, { limit });
    expect(examples.length).toBeGreaterThanOrEqual(2);
    expect(maxGap(tiny.llama, await requests(tiny.llama, examples))).toBeLessThan(TOL);
    expect(maxGap(tiny.gemma, await requests(tiny.gemma, examples))).toBeLessThan(TOL);
  });

  it.skipIf(!HAS_SHARED).each(SHARED)(`%s:%s on the shared evaluation data${SKIP_SHARED}`, async (task, lang, limit) => {
    const loaded = await loadTask(task, lang, { dataDir: SHARED_EVAL });
    if (loaded.kind !== 'mc') throw new Error(`${task} is not multiple choice`);
    const examples = sampleExamples(loaded.examples, { limit, seed: 5 });
    expect(maxGap(tiny.llama, await requests(tiny.llama, examples))).toBeLessThan(TOL);
    expect(maxGap(tiny.gemma, await requests(tiny.gemma, examples))).toBeLessThan(TOL);
  });
});
