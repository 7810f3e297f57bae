import * as tf from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

/**
 * wasm's `Slice` kernel (tfjs 4.22) copies its whole input out of the wasm heap into JavaScript for every slice, so
 * cutting a tensor into n blocks of rows (as AdamW's composite update does to bound its scratch) copies it n times.
 * This one copies a contiguous slice (a block of whole rows) heap to heap, its own elements only, and hands every
 * other slice to wasm's kernel.
 */
export function registerWasmSlice(): void {
  const wasm = tf.getKernel(tf.Slice, 'wasm');
  if (!wasm) throw new Error('registerWasmSlice: the wasm backend has no Slice kernel to replace');
  const sliceAnyhow = wasm.kernelFunc;
  const kernelFunc: tf.KernelFunc = (args) => {
    const x = args.inputs.x as tf.TensorInfo;
    const attrs = args.attrs as unknown as tf.SliceAttrs;
    const [begin, size] = tf.slice_util.parseSliceParams(x, attrs.begin, attrs.size);
    if (x.dtype === 'string' || !tf.slice_util.isSliceContinous(x.shape, begin, size)) return sliceAnyhow(args);
    const backend = args.backend as BackendWasm;
    const out = backend.makeOutput(size, x.dtype);
    // Views taken after makeOutput: growing the heap for it would detach earlier ones.
    const offset = tf.slice_util.computeFlatOffset(begin, tf.util.computeStrides(x.shape));
    backend.typedArrayFromHeap(out).set(backend.typedArrayFromHeap(x).subarray(offset, offset + tf.util.sizeFromShape(size)));
    return out;
  };
  tf.unregisterKernel(tf.Slice, 'wasm');
  tf.registerKernel({ ...wasm, kernelFunc });
}
