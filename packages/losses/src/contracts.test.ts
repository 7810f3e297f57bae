// The batch layout this package shares with @dft/data without importing it. The type assertion fails
// `pnpm typecheck`; the runtime one fails the test run. (That @dft/core's CausalLM is a HookedCausalLM is checked
// in core, which depends on this package.)
import { SEQUENCE_KINDS, type SequenceKind } from '@dft/util';
import { describe, expect, expectTypeOf, it } from 'vitest';
import type { DftBatch } from './batch.js';

describe('contracts', () => {
  it('the groups of DftBatch are the sequence kinds @dft/data batches', () => {
    expectTypeOf<keyof DftBatch>().toEqualTypeOf<SequenceKind>();
    const groups: Record<keyof DftBatch, true> = { tft: true, lc: true, et: true, en: true, sft: true };
    expect(Object.keys(groups).sort()).toEqual([...SEQUENCE_KINDS].sort());
  });
});
