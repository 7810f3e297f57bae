import * as tf from '@tensorflow/tfjs-core';

/**
 * √(Σ g²) over every gradient. Each gradient's square is released once summed, so the norm needs one gradient's
 * worth of scratch memory, not a copy of all of them.
 */
export function globalNorm(grads: Map<string, tf.Tensor>): number {
  const sums = [...grads.values()].map((g) => tf.tidy(() => tf.sum(tf.square(g))));
  const norm = tf.tidy(() => tf.sqrt(tf.addN(sums)).dataSync()[0]);
  tf.dispose(sums);
  return norm;
}

/** Scales gradients in place so their global norm is at most `maxNorm` (torch's `clip_grad_norm_` rule). */
export function clipByGlobalNorm(grads: Map<string, tf.Tensor>, norm: number, maxNorm: number): void {
  const coef = maxNorm / (norm + 1e-6);
  if (coef >= 1) return;
  for (const [name, g] of grads) {
    grads.set(name, tf.keep(tf.mul(g, coef)));
    g.dispose();
  }
}

/** Which parameters train: all but those whose HF name matches one of the `freeze` patterns. */
export function trainableNames(names: Iterable<string>, freeze: readonly (string | RegExp)[]): string[] {
  const patterns = freeze.map((f) => (f instanceof RegExp ? f : globToRegExp(f)));
  return [...names].filter((n) => !patterns.some((p) => p.test(n)));
}

/** `model.layers.*.mlp.*` style patterns: `*` matches within a dotted segment, `**` across segments. */
export function globToRegExp(glob: string): RegExp {
  const escaped = glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*\*/g, '\u0000').replace(/\*/g, '[^.]*').replace(/\u0000/g, '.*');
  return new RegExp(`^${escaped}$`);
}
