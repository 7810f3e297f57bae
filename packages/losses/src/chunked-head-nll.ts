import { oneHotFloat, type CustomGradientFunc } from '@dft/ops';
import * as tf from '@tensorflow/tfjs-core';

/** A linear LM head as data: `logits = x · weight` (+ soft-cap), what the chunked losses project with. */
export interface HeadProjection {
  /** `[hidden, vocab]`, or `[vocab, hidden]` with `transposed` (a tied embedding matrix, used without a copy). */
  weight: tf.Tensor2D;
  transposed?: boolean;
  /** Final logit soft-cap (Gemma-2): `cap · tanh(logits / cap)`; null or absent = none. */
  softcap?: number | null;
  /** No gradient for `weight` (and none is computed); the gradient still reaches `x`. */
  frozen?: boolean;
}

/**
 * Logits of one chunk are at most this many float32 values (64 MiB) when the chunk size is left to the loss: a
 * 32,000-token vocabulary gets chunks of 524 tokens, Gemma's 256,000 chunks of 65.
 */
export const LOGITS_CHUNK_ELEMENTS = 2 ** 24;

/** Tokens per chunk for a vocabulary, keeping one chunk's logits within `LOGITS_CHUNK_ELEMENTS`. */
export function defaultChunkTokens(vocab: number): number {
  return Math.max(1, Math.floor(LOGITS_CHUNK_ELEMENTS / vocab));
}

function logitsOf(x: tf.Tensor2D, w: tf.Tensor2D, head: HeadProjection): tf.Tensor2D {
  const u = tf.matMul(x, w, false, head.transposed ?? false) as tf.Tensor2D;
  return head.softcap ? (tf.mul(tf.tanh(tf.div(u, head.softcap)), head.softcap) as tf.Tensor2D) : u;
}

/** `z[r, targets[r]]` for every row, read from the flattened logits (no `[rows, vocab]` one-hot in the forward). */
function picked(z: tf.Tensor2D, targets: tf.Tensor1D): tf.Tensor1D {
  const [rows, vocab] = z.shape;
  return tf.gather(tf.reshape(z, [-1]), tf.add(tf.mul(tf.range(0, rows, 1, 'int32'), tf.scalar(vocab, 'int32')), targets));
}

/**
 * Per-row negative log-likelihood `−log softmax(head(x[r]))[targets[r]]`, shape `[rows]`, computed `chunkRows` rows
 * at a time: no `[rows, vocab]` logits tensor ever exists, only one chunk's. The forward pass keeps `x` and the
 * targets; the backward pass recomputes each chunk's logits and turns them into that chunk's gradients
 * (`softmax − onehot`, through the soft-cap, then `· weightᵀ` for `x` and `xᵀ ·` for the weight), summing the weight's
 * gradient over chunks. Values and gradients equal the unchunked loss's up to float rounding.
 * `x` `[rows, hidden]` float32 (already final-normed), `targets` int32 `[rows]` in `[0, vocab)`.
 */
export function chunkedHeadNll(x: tf.Tensor2D, targets: tf.Tensor1D, head: HeadProjection, chunkRows: number): tf.Tensor1D {
  const w = head.weight;
  const [rows, hidden] = x.shape;
  const wHidden = head.transposed ? w.shape[1] : w.shape[0];
  const vocab = head.transposed ? w.shape[0] : w.shape[1];
  if (x.rank !== 2 || w.rank !== 2 || wHidden !== hidden) {
    throw new Error(`chunkedHeadNll: x [rows, ${wHidden}] and a head weight ${head.transposed ? '[vocab, hidden]' : '[hidden, vocab]'} expected, got x [${x.shape}] and weight [${w.shape}]`);
  }
  if (targets.rank !== 1 || targets.shape[0] !== rows || targets.dtype !== 'int32') {
    throw new Error(`chunkedHeadNll: targets must be int32 [${rows}], got ${targets.dtype} [${targets.shape}]`);
  }
  if (rows < 1) throw new Error('chunkedHeadNll: x has no rows');
  if (!Number.isInteger(chunkRows) || chunkRows < 1) throw new Error(`chunkedHeadNll: chunkRows must be a positive integer, got ${chunkRows}`);
  const spans: [number, number][] = [];
  for (let s = 0; s < rows; s += chunkRows) spans.push([s, Math.min(chunkRows, rows - s)]);
  const frozen = head.frozen ?? false;

  const op = tf.customGrad(((xs: tf.Tensor2D, ts: tf.Tensor1D, ...rest: unknown[]) => {
    const save = rest[rest.length - 1] as tf.GradSaveFunc;
    const parts = spans.map(([s, n]) =>
      tf.tidy(() => {
        const z = logitsOf(tf.slice(xs, [s, 0], [n, hidden]), w, head);
        return tf.sub(tf.logSumExp(z, 1), picked(z, tf.slice(ts, [s], [n])));
      }),
    );
    save([xs, ts]);
    return {
      value: parts.length === 1 ? parts[0]! : tf.concat(parts),
      gradFunc: (dy: tf.Tensor1D, saved: tf.Tensor[]) => {
        const [xSaved, tSaved] = saved as [tf.Tensor2D, tf.Tensor1D];
        const dx: tf.Tensor2D[] = [];
        let dw: tf.Tensor2D | null = null;
        for (const [s, n] of spans) {
          // One chunk's [n, vocab] intermediates live only inside this tidy.
          const [dxChunk, dwChunk] = tf.tidy(() => {
            const xc = tf.slice(xSaved, [s, 0], [n, hidden]);
            const z = logitsOf(xc, w, head);
            let dz = tf.mul(tf.sub(tf.softmax(z), oneHotFloat(tf.slice(tSaved, [s], [n]), vocab)), tf.expandDims(tf.slice(dy, [s], [n]), 1));
            // d/du of cap·tanh(u / cap) = 1 − tanh² = 1 − (z / cap)².
            if (head.softcap) dz = tf.mul(dz, tf.sub(1, tf.square(tf.div(z, head.softcap))));
            const dxc = head.transposed ? tf.matMul(dz, w) : tf.matMul(dz, w, false, true);
            if (frozen) return [dxc];
            return [dxc, head.transposed ? tf.matMul(dz, xc, true, false) : tf.matMul(xc, dz, true, false)];
          }) as tf.Tensor2D[];
          dx.push(dxChunk!);
          if (dwChunk) {
            const sum: tf.Tensor2D = dw ? tf.add(dw, dwChunk) : dwChunk;
            if (dw) tf.dispose([dw, dwChunk]);
            dw = sum;
          }
        }
        const dxAll = dx.length === 1 ? dx[0]! : tf.concat(dx);
        // Targets are data: a zero gradient (tfjs wants float32 ones).
        return frozen ? [dxAll, tf.zeros(tSaved.shape)] : [dxAll, tf.zeros(tSaved.shape), dw!];
      },
    };
  }) as unknown as CustomGradientFunc);
  return (frozen ? op(x, targets) : op(x, targets, w)) as tf.Tensor1D;
}
