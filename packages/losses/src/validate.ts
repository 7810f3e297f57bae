import type * as tf from '@tensorflow/tfjs-core';

// Shape and value checks shared by every loss, so bad input fails with the tensor's name and what was expected
// rather than deep inside a kernel.

export function assertTensor(x: unknown, name: string): asserts x is tf.Tensor {
  const t = x as tf.Tensor | null | undefined;
  if (t == null || !Array.isArray(t.shape) || typeof t.dtype !== 'string') {
    throw new Error(`${name}: expected a tfjs Tensor, got ${t === null ? 'null' : typeof t}`);
  }
  if (t.isDisposed) {
    throw new Error(`${name}: the tensor has already been disposed`);
  }
}

export function assertRank(x: tf.Tensor, rank: number, name: string, layout: string): void {
  if (x.rank !== rank) {
    throw new Error(`${name}: expected rank ${rank} ${layout}, got shape [${x.shape.join(', ')}]`);
  }
}

/** Checks each dimension against `expected` (null = any). */
export function assertDims(x: tf.Tensor, expected: readonly (number | null)[], name: string, layout: string): void {
  assertRank(x, expected.length, name, layout);
  expected.forEach((want, axis) => {
    if (want !== null && x.shape[axis] !== want) {
      throw new Error(
        `${name}: expected shape ${layout} = [${expected.map((d) => d ?? '?').join(', ')}], ` +
          `got [${x.shape.join(', ')}] (axis ${axis})`,
      );
    }
  });
}

export function assertFloat(x: tf.Tensor, name: string): void {
  if (x.dtype !== 'float32') {
    throw new Error(`${name}: expected dtype float32, got ${x.dtype}`);
  }
}

export function assertNumeric(x: tf.Tensor, name: string): void {
  if (x.dtype !== 'float32' && x.dtype !== 'int32' && x.dtype !== 'bool') {
    throw new Error(`${name}: expected a numeric (float32, int32 or bool) tensor, got ${x.dtype}`);
  }
}

export function oneOf<T extends string>(value: T | undefined, allowed: readonly T[], name: string, fallback: T): T {
  const v = value ?? fallback;
  if (!allowed.includes(v)) {
    throw new Error(`${name}: expected one of ${allowed.map((a) => `'${a}'`).join(', ')}, got ${JSON.stringify(v)}`);
  }
  return v;
}

/** Row-major `[row][col]` index of flat position `i` in a `[rows, cols]` tensor, for error messages. */
export function at2d(i: number, cols: number): string {
  return `[${Math.floor(i / cols)}][${i % cols}]`;
}

/** Labels must be `ignoreIndex` or a token id in `[0, vocab)`; checked on the host (labels are small). */
export function checkLabelValues(labels: tf.Tensor2D, vocab: number, ignoreIndex: number, name: string): void {
  const values = labels.dataSync();
  const cols = labels.shape[1];
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (v === ignoreIndex) continue;
    if (!Number.isInteger(v) || v < 0 || v >= vocab) {
      throw new Error(
        `${name}${at2d(i, cols)} = ${v}: expected ${ignoreIndex} (ignored) or a token id in [0, ${vocab})`,
      );
    }
  }
}
