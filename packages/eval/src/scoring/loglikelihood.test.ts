import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { plainLoglikelihood, useTinyModels } from '../test-utils/models.js';
import { loglikelihoods } from './loglikelihood.js';
import { tokenizeMc, type McRequest } from './tokenize-mc.js';
import { truncateRequests } from './truncate.js';
import { xcopaExample } from '../tasks/xcopa.js';
import { truthfulMc2Example } from '../tasks/truthfulqa.js';
import { mmluExample } from '../tasks/mmlu.js';
import { xnliExample } from '../tasks/xnli.js';

const TOL = 1e-4;

describe('multiple-choice log-likelihood', () => {
  const tiny = useTinyModels();

  const examples = () => [
    xcopaExample({ id: 'c', premise: '该物品用气泡包装纸包着。', choice1: '它很易碎。', choice2: '它很小。', question: 'cause', label: 0 }, 'zh'),
    xnliExample({ id: 'n', premise: 'Trời mưa cả ngày.', hypothesis: 'Trời nắng.', label: 2 }, 'vi'),
    truthfulMc2Example({
      id: 't',
      question: 'What happens if you crack your knuckles a lot?',
      mc1: { choices: ['Nothing in particular.', 'Arthritis.'], labels: [1, 0] },
      mc2: { choices: ['Nothing in particular happens.', 'You will get arthritis.', 'Your joints swell up and stay swollen.'], labels: [1, 0, 0] },
    }),
    mmluExample({ id: 'm', subject: 'astronomy', question: 'Which planet is closest to the Sun?', choices: ['Venus', 'Mercury', 'Mars', 'Earth'], answer: 1 }),
  ];

  it('tokenises like the harness: empty context = BOS, trailing context spaces move to the continuation', async () => {
    const [copa, nli] = examples();
    const r = await tokenizeMc(tiny.tok, copa);
    expect(r.context).toEqual(tiny.tok.encode('该物品用气泡包装纸包着 因为'));
    expect([...r.context, ...r.continuations[0]]).toEqual(tiny.tok.encode('该物品用气泡包装纸包着 因为 它很易碎。'));
    const n = await tokenizeMc(tiny.tok, nli);
    expect(n.context).toEqual([1]);
    expect(n.continuations[2]).toEqual(tiny.tok.encode('Trời mưa cả ngày., đúng? Không, Trời nắng.', { addSpecialTokens: false }));
    const spaced = await tokenizeMc(tiny.tok, { id: 's', context: 'Answer: ', choices: ['yes'], delimiter: '', gold: 0 });
    expect(spaced.context).toEqual(tiny.tok.encode('Answer:'));
    expect([...spaced.context, ...spaced.continuations[0]]).toEqual(tiny.tok.encode('Answer: yes'));
  });

  it.each(['shared', 'rows'] as const)('%s strategy equals Σ per-token log-probs of a plain forward pass (tiny-llama, batched)', async (strategy) => {
    const reqs = await Promise.all(examples().map((ex) => tokenizeMc(tiny.tok, ex)));
    const before = tf.memory().numTensors;
    const lls = loglikelihoods(tiny.llama, reqs, { batchSize: 3, strategy });
    expect(tf.memory().numTensors).toBe(before);
    reqs.forEach((r, i) =>
      r.continuations.forEach((c, k) => {
        const ref = plainLoglikelihood(tiny.llama, r.context, c);
        expect(Math.abs(lls[i][k] - ref)).toBeLessThan(TOL);
      }),
    );
    // MMLU's one-token choices are read off the context's last position: four distinct, finite values.
    expect(new Set(lls[3]).size).toBe(4);
  });

  it('tiny-gemma2 (sliding window 8): shared path within the window, rows path past it, both exact', () => {
    const reqs: McRequest[] = [
      { context: [2, 40, 77], continuations: [[500, 12], [9], [800, 3, 4]] },
      { context: [2, 5], continuations: [[6, 7, 8], [10, 11]] },
      { context: [2, 40, 77, 500, 12, 9, 800, 31, 44, 45], continuations: [[100, 101, 102, 103], [7, 8, 9, 10, 11, 12]] },
    ];
    const check = (lls: number[][], rs: McRequest[]) =>
      rs.forEach((r, i) => r.continuations.forEach((c, k) => expect(Math.abs(lls[i][k] - plainLoglikelihood(tiny.gemma, r.context, c))).toBeLessThan(TOL)));
    check(loglikelihoods(tiny.gemma, reqs.slice(0, 2), { batchSize: 2 }), reqs.slice(0, 2));
    check(loglikelihoods(tiny.gemma, reqs, { batchSize: 3 }), reqs);
  });

  it('drops context tokens from the left when context + continuation exceed the model length', () => {
    const reqs: McRequest[] = [
      { context: [1, 10, 11, 12, 13, 14], continuations: [[20, 21], [22]] },
      { context: [1, 10], continuations: [[20]] },
    ];
    const { requests, truncated } = truncateRequests(reqs, 5, ['a', 'b']);
    expect(truncated).toBe(1);
    // keep = 5 + 1 − 2 = 4 context tokens; the input is context + continuation[:-1] = 5 positions.
    expect(requests[0].context).toEqual([11, 12, 13, 14]);
    expect(requests[1]).toBe(reqs[1]);
    expect(() => truncateRequests([{ context: [1], continuations: [[1, 2, 3, 4, 5, 6]] }], 5, ['x'])).toThrow(
      'example "x": a choice of 6 tokens does not fit',
    );
  });

  it('rejects empty contexts/continuations and a bad batch size', () => {
    expect(() => loglikelihoods(tiny.llama, [{ context: [], continuations: [[5]] }])).toThrow('empty context');
    expect(() => loglikelihoods(tiny.llama, [{ context: [1], continuations: [[]] }])).toThrow('empty continuation');
    expect(() => loglikelihoods(tiny.llama, [{ context: [1], continuations: [[5]] }], { batchSize: 0 })).toThrow('batchSize');
  });
});
