// The contracts this package shares without importing the packages on the other side: the model interface that
// @dft/core's CausalLM satisfies and the batch layout that @dft/data builds. The type assertions fail
// `pnpm typecheck`; the runtime ones fail the test run.
import { loadPretrained, type CausalLM } from '@dft/core';
import { SEQUENCE_KINDS, type SequenceKind } from '@dft/util';
import * as tf from '@tensorflow/tfjs-core';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, expectTypeOf, it } from 'vitest';
import type { DftBatch } from './batch.js';
import type { HookedCausalLM } from './model.js';
import { useCpuBackend } from './test-utils/setup.js';

const TINY_LLAMA = fileURLToPath(new URL('../../../fixtures/models/tiny-llama', import.meta.url));

beforeAll(useCpuBackend);

describe('contracts', () => {
  it("@dft/core's CausalLM is a HookedCausalLM: hooks and lens used through the interface", () => {
    expectTypeOf<CausalLM>().toExtend<HookedCausalLM>();
    const { model } = loadPretrained(TINY_LLAMA, { log: null });
    const hooked: HookedCausalLM = model;
    const ids = tf.tensor2d([[1, 5, 9]], undefined, 'int32');
    const { hidden, logits } = hooked.forward(ids, { capture: [1], stopAtLayer: 1 });
    const lens = hooked.lmHead(hidden.get(1)!);
    expect(logits).toBeUndefined();
    expect(lens.shape).toEqual([1, 3, model.config.vocabSize]);
    tf.dispose([ids, lens, ...hidden.values()]);
    model.dispose();
  });

  it('the groups of DftBatch are the sequence kinds @dft/data batches', () => {
    expectTypeOf<keyof DftBatch>().toEqualTypeOf<SequenceKind>();
    const groups: Record<keyof DftBatch, true> = { tft: true, lc: true, et: true, en: true, sft: true };
    expect(Object.keys(groups).sort()).toEqual([...SEQUENCE_KINDS].sort());
  });
});
