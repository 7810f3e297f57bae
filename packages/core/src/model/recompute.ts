import * as tf from '@tensorflow/tfjs-core';

/** The argument type of `tf.customGrad` (not exported by tfjs); typed functions are cast to it at the call site. */
type CustomGradientFunc = Parameters<typeof tf.customGrad>[0];

/** Whether `run` is the forward pass or its replay inside the backward pass. */
export type Pass = 'forward' | 'recompute';

/**
 * Activation recomputation (gradient checkpointing): `run(activations, params)` is computed without keeping any of its
 * intermediate tensors for the backward pass; only `activations` are kept (`params` are long-lived tensors such as
 * `tf.Variable`s, read again when needed). The backward pass replays `run` under its own gradient tape and takes the
 * gradients of its output with respect to every activation and parameter, so the result is the gradient that
 * autodiff of `run` would give, at the cost of a second forward pass. `run` must be deterministic; `pass` tells it
 * which call it is (e.g. to rebuild inputs it could not keep).
 */
export function recomputeInBackward<T extends tf.Tensor>(
  run: (activations: tf.Tensor[], params: tf.Tensor[], pass: Pass) => T,
  activations: tf.Tensor[],
  params: tf.Tensor[],
): T {
  const n = activations.length;
  const op = tf.customGrad(((...args: unknown[]) => {
    const inputs = args.slice(0, n + params.length) as tf.Tensor[];
    const save = args[n + params.length] as tf.GradSaveFunc;
    const value = run(inputs.slice(0, n), inputs.slice(n), 'forward');
    save(inputs.slice(0, n));
    return {
      value,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) =>
        withOwnTape(() => tf.grads((...xs: tf.Tensor[]) => run(xs.slice(0, n), xs.slice(n), 'recompute'))([...saved, ...params], dy)),
    };
  }) as unknown as CustomGradientFunc);
  return op(...activations, ...params) as T;
}

/**
 * Runs `fn` (which computes gradients) on a fresh gradient tape. tfjs keeps one global tape per engine: a `tf.grads`
 * called while another backward pass is running would replace that pass's tape and, when done, clear it (the outer
 * pass would then fail, and its saved tensors leak). The outer tape is set aside and restored, so the inner pass
 * frees its own recomputed activations as soon as it ends.
 */
function withOwnTape<T>(fn: () => T): T {
  const state = tf.engine().state as unknown as { activeTape: unknown; gradientDepth: number };
  const { activeTape, gradientDepth } = state;
  state.activeTape = null;
  state.gradientDepth = 0;
  try {
    return fn();
  } finally {
    state.activeTape = activeTape;
    state.gradientDepth = gradientDepth;
  }
}
