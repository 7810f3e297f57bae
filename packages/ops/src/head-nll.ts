import * as tf from '@tensorflow/tfjs-core';
import { hasKernels, type CustomGradientFunc } from './kernels.js';
import { oneHotFloat } from './one-hot.js';
import { TOKEN_NLL, TOKEN_NLL_GRAD } from './token-nll.js';

/** inputs {x [rows, hidden] f32, weight, targets [rows] i32}, attrs {transposed, softcap, chunkRows} → nll [rows] */
export const HEAD_NLL = 'DftHeadNll';
/** inputs {x, weight, targets, dy [rows]}, same attrs → [dx, dWeight] (what `chunkedHeadNll`'s backward runs) */
export const HEAD_NLL_GRAD = 'DftHeadNllGrad';

/** The kernels' attrs. */
export interface HeadNllAttrs {
  transposed: boolean;
  softcap: number | null;
  chunkRows: number;
}

/** Checks the operands (Tensors or a kernel's TensorInfos) and returns [rows, hidden, vocab]. */
export function headNllShape(x: tf.TensorInfo, weight: tf.TensorInfo, targets: tf.TensorInfo, attrs: HeadNllAttrs, kernel: string): [number, number, number] {
  const [rows, hidden] = x.shape;
  const w = weight.shape;
  const wHidden = attrs.transposed ? w[1] : w[0];
  if (x.shape.length !== 2 || w.length !== 2 || wHidden !== hidden || x.dtype !== 'float32' || weight.dtype !== 'float32') {
    const layout = attrs.transposed ? '[vocab, hidden]' : '[hidden, vocab]';
    throw new Error(`${kernel}: expected float32 x [rows, ${wHidden}] and weight ${layout}, got ${x.dtype} x [${x.shape}] and ${weight.dtype} weight [${w}]`);
  }
  if (targets.shape.length !== 1 || targets.shape[0] !== rows || targets.dtype !== 'int32') {
    throw new Error(`${kernel}: targets must be int32 [${rows}], got ${targets.dtype} [${targets.shape}]`);
  }
  if (rows! < 1) throw new Error(`${kernel}: x has no rows`);
  if (!Number.isInteger(attrs.chunkRows) || attrs.chunkRows < 1) throw new Error(`${kernel}: chunkRows must be a positive integer, got ${attrs.chunkRows}`);
  return [rows!, hidden!, (attrs.transposed ? w[0] : w[1])!];
}

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

function logitsOf(x: tf.Tensor2D, w: tf.Tensor2D, head: HeadProjection): tf.Tensor2D {
  const u = tf.matMul(x, w, false, head.transposed ?? false) as tf.Tensor2D;
  return head.softcap ? (tf.mul(tf.tanh(tf.div(u, head.softcap)), head.softcap) as tf.Tensor2D) : u;
}

/**
 * One chunk's `[nll, lse]` per row: through the fused token-NLL kernel where the backend has it (one pass over the
 * logits), else `logSumExp(z) − z[r, targets[r]]`, reading the target logits from the flattened chunk (no one-hot).
 */
function chunkNll(z: tf.Tensor2D, targets: tf.Tensor1D): [tf.Tensor1D, tf.Tensor1D] {
  if (hasKernels([TOKEN_NLL, TOKEN_NLL_GRAD])) return tf.engine().runKernel(TOKEN_NLL, { logits: z, targets }) as [tf.Tensor1D, tf.Tensor1D];
  const [rows, vocab] = z.shape;
  const lse = tf.logSumExp(z, 1) as tf.Tensor1D;
  const picked = tf.gather(tf.reshape(z, [-1]), tf.add(tf.mul(tf.range(0, rows, 1, 'int32'), tf.scalar(vocab, 'int32')), targets));
  return [tf.sub(lse, picked), lse];
}

/** One chunk's `d nll / d z = (softmax(z) − onehot(targets))·dy`: the fused kernel's gradient where it exists. */
function chunkNllGrad(z: tf.Tensor2D, targets: tf.Tensor1D, lse: tf.Tensor1D, dy: tf.Tensor1D): tf.Tensor2D {
  if (hasKernels([TOKEN_NLL, TOKEN_NLL_GRAD])) {
    return tf.engine().runKernel(TOKEN_NLL_GRAD, { logits: z, targets, lse, dNll: dy, dLse: tf.zerosLike(dy) }) as tf.Tensor2D;
  }
  return tf.mul(tf.sub(tf.softmax(z), oneHotFloat(targets, z.shape[1])), tf.expandDims(dy, 1));
}

/**
 * Per-row negative log-likelihood `−log softmax(head(x[r]))[targets[r]]`, shape `[rows]`, computed `chunkRows` rows
 * at a time: no `[rows, vocab]` logits tensor ever exists, only one chunk's. The forward pass keeps `x`, the
 * targets and each row's log-sum-exp; the backward pass recomputes each chunk's logits and turns them into that
 * chunk's gradients (`softmax − onehot`, through the soft-cap, then `· weightᵀ` for `x` and `xᵀ ·` for the weight),
 * summing the weight's gradient over chunks. Values and gradients equal the unchunked loss's up to float rounding.
 * `x` `[rows, hidden]` float32 (already final-normed), `targets` int32 `[rows]` in `[0, vocab)`.
 */
export function chunkedHeadNll(x: tf.Tensor2D, targets: tf.Tensor1D, head: HeadProjection, chunkRows: number): tf.Tensor1D {
  const attrs: HeadNllAttrs = { transposed: head.transposed ?? false, softcap: head.softcap ?? null, chunkRows };
  headNllShape(x, head.weight, targets, attrs, HEAD_NLL);
  // A frozen head never needs the weight's gradient, which the kernel pair always computes: it runs the composite.
  if (head.frozen || !hasKernels([HEAD_NLL, HEAD_NLL_GRAD])) return chunkedHeadNllComposite(x, targets, head, chunkRows);
  return headNllKernels(x, targets, head.weight, attrs);
}

/**
 * The kernel pair as one differentiable op: `DftHeadNll` forward, `DftHeadNllGrad` (both gradients in one call)
 * backward. The weight reaches the backward through this closure, as in the composite, not as a saved input: tfjs
 * saves an input as a clone, and a clone of the weight counts its full size in `tf.memory()` (and a step's
 * `peakBytes`) although it shares the buffer.
 */
function headNllKernels(x: tf.Tensor2D, targets: tf.Tensor1D, weight: tf.Tensor2D, attrs: HeadNllAttrs): tf.Tensor1D {
  const named = attrs as unknown as tf.NamedAttrMap;
  const op = tf.customGrad(((xs: tf.Tensor2D, ts: tf.Tensor1D, w: tf.Tensor2D, save: tf.GradSaveFunc) => {
    save([xs, ts]);
    return {
      value: tf.engine().runKernel(HEAD_NLL, { x: xs, weight: w, targets: ts }, named) as tf.Tensor1D,
      gradFunc: (dy: tf.Tensor1D, saved: tf.Tensor[]) => {
        const [xSaved, tSaved] = saved as [tf.Tensor2D, tf.Tensor1D];
        const [dx, dWeight] = tf.engine().runKernel(HEAD_NLL_GRAD, { x: xSaved, weight, targets: tSaved, dy }, named) as tf.Tensor[];
        // Targets are data: a zero gradient (tfjs wants float32 ones).
        return [dx!, tf.zeros(tSaved.shape), dWeight!];
      },
    };
  }) as unknown as CustomGradientFunc);
  return op(x, targets, weight) as tf.Tensor1D;
}

/** The tfjs-op composition of the kernel pair, chunked as described at `chunkedHeadNll` (every backend without them). */
export function chunkedHeadNllComposite(x: tf.Tensor2D, targets: tf.Tensor1D, head: HeadProjection, chunkRows: number): tf.Tensor1D {
  const w = head.weight;
  const [rows, hidden] = x.shape;
  const spans: [number, number][] = [];
  for (let s = 0; s < rows; s += chunkRows) spans.push([s, Math.min(chunkRows, rows - s)]);
  const frozen = head.frozen ?? false;

  const op = tf.customGrad(((xs: tf.Tensor2D, ts: tf.Tensor1D, ...rest: unknown[]) => {
    const save = rest[rest.length - 1] as tf.GradSaveFunc;
    // Each chunk's log-sum-exp ([rows], small) is kept for the backward, which then needs no second reduction.
    const parts = spans.map(([s, n]) => tf.tidy(() => chunkNll(logitsOf(tf.slice(xs, [s, 0], [n, hidden]), w, head), tf.slice(ts, [s], [n]))));
    const nll = parts.length === 1 ? parts[0]![0] : tf.concat(parts.map((p) => p[0]));
    const lse = parts.length === 1 ? parts[0]![1] : tf.concat(parts.map((p) => p[1]));
    save([xs, ts, lse]);
    return {
      value: nll,
      gradFunc: (dy: tf.Tensor1D, saved: tf.Tensor[]) => {
        const [xSaved, tSaved, lseSaved] = saved as [tf.Tensor2D, tf.Tensor1D, tf.Tensor1D];
        const dx: tf.Tensor2D[] = [];
        let dw: tf.Tensor2D | null = null;
        for (const [s, n] of spans) {
          // One chunk's [n, vocab] intermediates live only inside this tidy.
          const [dxChunk, dwChunk] = tf.tidy(() => {
            const xc = tf.slice(xSaved, [s, 0], [n, hidden]);
            const z = logitsOf(xc, w, head);
            let dz = chunkNllGrad(z, tf.slice(tSaved, [s], [n]), tf.slice(lseSaved, [s], [n]), tf.slice(dy, [s], [n]));
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
