import type { Continuation, TokenizeResult, TokenizedExample, TruncatableKind } from './tokenize-example.js';

const KINDS: readonly TruncatableKind[] = ['tft', 'lc', 'et', 'sft'];
/** Per example: ok flag, then (ok) 4 span ints, seamMerges, truncated mask, 4 seams, 6 list lengths, the lists. */
const HEAD = 1 + 4 + 1 + 1 + 4 + 6;

/**
 * A chunk's results as one Int32Array, which a worker thread transfers instead of cloning: the structured clone
 * of ten id arrays per example cost more than the tokenisation saved by the worker.
 */
export function packResults(results: readonly TokenizeResult[]): Int32Array<ArrayBuffer> {
  let n = 1;
  for (const r of results) n += r.ok ? HEAD + lists(r.value).reduce((a, l) => a + l.length, 0) : 2;
  const out = new Int32Array(n);
  out[0] = results.length;
  let k = 1;
  for (const r of results) {
    if (!r.ok) {
      out[k++] = 0;
      out[k++] = r.promptLength;
      continue;
    }
    const v = r.value;
    const ls = lists(v);
    const head = [1, v.queryStart, v.queryEnd, v.enQueryStart, v.enQueryEnd, v.seamMerges, KINDS.reduce((m, kind, i) => (v.truncated.includes(kind) ? m | (1 << i) : m), 0)];
    head.push(...conts(v).map((c) => c.seam), ...ls.map((l) => l.length));
    out.set(head, k);
    k += HEAD;
    for (const l of ls) {
      out.set(l, k);
      k += l.length;
    }
  }
  return out;
}

/**
 * The results `packResults` packed. Each id list is its own copy, not a view: a row waiting in a split's record
 * batch (validation rows wait long) must not keep its whole chunk's buffer alive.
 */
export function unpackResults(packed: Int32Array): TokenizeResult[] {
  const out: TokenizeResult[] = [];
  let k = 1;
  for (let e = 0; e < packed[0]!; e++) {
    if (packed[k] === 0) {
      out.push({ ok: false, reason: 'prompt-too-long', promptLength: packed[k + 1]! });
      k += 2;
      continue;
    }
    const h = packed.subarray(k, k + HEAD);
    k += HEAD;
    const ids = [11, 12, 13, 14, 15, 16].map((i) => {
      const l = packed.slice(k, k + h[i]!);
      k += h[i]!;
      return l;
    });
    const cont = (i: number, seam: number): Continuation => ({ ids: ids[i]!, seam });
    out.push({
      ok: true,
      value: {
        promptIds: ids[0]!,
        response: cont(1, h[7]!),
        enPromptIds: ids[2]!,
        enQuery: cont(3, h[8]!),
        enResponse: cont(4, h[9]!),
        enSftResponse: cont(5, h[10]!),
        queryStart: h[1]!,
        queryEnd: h[2]!,
        enQueryStart: h[3]!,
        enQueryEnd: h[4]!,
        seamMerges: h[5]!,
        truncated: KINDS.filter((_, i) => (h[6]! & (1 << i)) !== 0),
      },
    });
  }
  return out;
}

function conts(v: TokenizedExample): Continuation[] {
  return [v.response, v.enQuery, v.enResponse, v.enSftResponse];
}

/** The six token lists in column order (see TOKEN_COLUMNS). */
function lists(v: TokenizedExample): ArrayLike<number>[] {
  return [v.promptIds, v.response.ids, v.enPromptIds, v.enQuery.ids, v.enResponse.ids, v.enSftResponse.ids];
}
