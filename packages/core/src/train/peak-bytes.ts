import * as tf from '@tensorflow/tfjs-core';

/*
 * The high-water mark of `tf.memory().numBytes` (the bytes of every live tensor, as tfjs counts them, on any backend)
 * while a function runs. tfjs's own `tf.profile` reports a peak too, but it is async and reads every kernel's output
 * back to the host, which would slow a training step down many times over. Instead the engine's byte counter is
 * watched: every tensor allocation and release goes through that one field, so the setter below sees every value it
 * takes, at the cost of one comparison per tensor.
 */

const WATCHED = Symbol('dft.peakBytes');

type EngineState = { numBytes: number; [WATCHED]?: true };

let highWater = 0;

/** Replaces the state's `numBytes` field with an accessor that records the highest value ever set. */
function watch(state: EngineState): void {
  if (state[WATCHED]) return;
  let bytes = state.numBytes;
  Object.defineProperty(state, 'numBytes', {
    configurable: true,
    enumerable: true,
    get: () => bytes,
    set: (value: number) => {
      bytes = value;
      if (value > highWater) highWater = value;
    },
  });
  state[WATCHED] = true;
}

/**
 * Runs `fn` and returns its result with `peakBytes`: the most tensor bytes tfjs held at any moment while it ran
 * (what was alive before it started included, so a training step's peak counts the weights and optimizer moments).
 * Calls may nest; an inner peak counts towards the outer one. `fn` may be async (a training step awaits its
 * collectives); tensors other code allocates meanwhile count too.
 */
export async function withPeakBytes<T>(fn: () => T | Promise<T>): Promise<{ result: T; peakBytes: number }> {
  // The engine replaces its state object when it is reset, so the watch is (re)installed on every call.
  const state = tf.engine().state as unknown as EngineState;
  watch(state);
  const outer = highWater;
  highWater = state.numBytes;
  try {
    const result = await fn();
    return { result, peakBytes: highWater };
  } finally {
    highWater = Math.max(outer, highWater);
  }
}
