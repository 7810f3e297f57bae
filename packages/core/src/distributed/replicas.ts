import type { CausalLM } from '../model/model.js';
import type { Communicator } from './communicator.js';

/** FNV-1a over the 32-bit words of a parameter: equal for bit-identical tensors. */
function checksum(values: Float32Array): number {
  const words = new Uint32Array(values.buffer, values.byteOffset, values.length);
  let h = 0x811c9dc5;
  for (let i = 0; i < words.length; i++) h = Math.imul(h ^ words[i]!, 0x01000193) >>> 0;
  return h;
}

/**
 * Asserts that every rank holds bit-identical parameters (same model, same seed): rank 0's per-tensor checksums
 * are broadcast and compared. A rank that differs throws, naming the first differing tensor.
 */
export async function checkReplicas(comm: Communicator, model: CausalLM): Promise<void> {
  const names = [...model.params.keys()];
  // 16-bit halves: exactly representable as float32, whatever the hash.
  const sums = new Float32Array(2 * names.length);
  names.forEach((n, i) => {
    const h = checksum(model.params.get(n)!.dataSync() as Float32Array);
    sums[2 * i] = h >>> 16;
    sums[2 * i + 1] = h & 0xffff;
  });
  const mine = sums.slice();
  await comm.broadcast([sums], 0);
  const bad = names.findIndex((_, i) => sums[2 * i] !== mine[2 * i] || sums[2 * i + 1] !== mine[2 * i + 1]);
  if (bad >= 0) {
    throw new Error(`rank ${comm.rank}: parameter ${names[bad]} differs from rank 0's: every worker must start from the same weights (same model directory and seed)`);
  }
}
