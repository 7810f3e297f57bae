// CausalLM satisfies the model contract of @dft/losses (HookedCausalLM), which that package defines without
// importing core. The type assertion fails `pnpm typecheck`; the runtime one fails the test run.
import type { HookedCausalLM } from '@dft/losses';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, expectTypeOf, it } from 'vitest';
import { loadPretrained } from '../model/pretrained.js';
import type { CausalLM } from '../model/model.js';
import { TINY_LLAMA, useBackend } from '../test-utils/fixtures.js';

beforeAll(() => useBackend('cpu'));

describe('CausalLM as the losses see it', () => {
  it('is a HookedCausalLM: hooks and lens used through the interface', () => {
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
});
