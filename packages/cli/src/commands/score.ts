import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend, type BackendName, type CausalLM } from '@dft/core';
import { loadModel, MODEL_OPTIONS } from '../load-model.js';
import { BACKEND_OPTION, type Command, stringOpt, switchOption, UsageError, valueOption } from '../command.js';

/** One input line: token ids, or a text to encode with the model's tokenizer. */
interface InputRow {
  line: number;
  ids: number[] | null;
  text: string | null;
}

interface ScoredRow {
  tokens: number[];
  nll: number;
  logprobs: number[];
}

/** log P(token t+1 | tokens ≤ t) for every t, from one forward pass (log-softmax in float64 from the logits). */
export function scoreIds(model: CausalLM, ids: number[]): ScoredRow {
  if (ids.length < 2) return { tokens: ids, nll: NaN, logprobs: [] };
  const V = model.config.vocabSize;
  const out = tf.tidy(() => model.forward(tf.tensor2d([ids], undefined, 'int32')).logits!);
  const logits = out.dataSync() as Float32Array; // read outside tidy (it would walk the whole array)
  out.dispose();
  const logprobs: number[] = [];
  for (let t = 0; t + 1 < ids.length; t++) {
    const row = logits.subarray(t * V, (t + 1) * V);
    let m = -Infinity;
    for (const v of row) m = Math.max(m, v);
    let s = 0;
    for (const v of row) s += Math.exp(v - m);
    logprobs.push(row[ids[t + 1]] - m - Math.log(s));
  }
  return { tokens: ids, nll: -logprobs.reduce((a, b) => a + b, 0) / logprobs.length, logprobs };
}

export const scoreCommand: Command = {
  name: 'score',
  summary: 'per-token log-probabilities and perplexity of sequences (JSONL rows {"ids": [...]} or {"text": "..."})',
  usage: 'dft score --model <dir> --input seqs.jsonl [--json]',
  options: {
    ...MODEL_OPTIONS,
    input: valueOption('JSONL file: one {"ids": [..]} or {"text": ".."} per line'),
    json: switchOption('print one JSON array of {tokens, nll, logprobs}'),
    backend: BACKEND_OPTION,
  },
  longInputs:
    "a sequence longer than the model's max_position_embeddings is refused, naming the limit and its line.",
  examples: ['dft score --model fixtures/models/tiny-llama --input seqs.jsonl --json'],
  async run(values) {
    const dir = stringOpt(values, 'model', true);
    const input = stringOpt(values, 'input', true);
    let text: string;
    try {
      text = readFileSync(input, 'utf8');
    } catch (e) {
      throw new UsageError(`cannot read --input ${input}: ${(e as Error).message}`);
    }
    const rows = text.split('\n').flatMap((line, i): InputRow[] => {
      if (line.trim() === '') return [];
      const at = `${input}:${i + 1}`;
      let r: unknown;
      try {
        r = JSON.parse(line);
      } catch (e) {
        throw new Error(`${at}: not valid JSON (${(e as Error).message})`);
      }
      if (r === null || typeof r !== 'object' || Array.isArray(r)) throw new Error(`${at}: expected an object {"ids": [int, ...]} or {"text": "..."}, got ${line.trim().slice(0, 40)}`);
      const { ids, text: t } = r as { ids?: unknown; text?: unknown };
      if (ids !== undefined) {
        if (!Array.isArray(ids) || !ids.every((x) => Number.isInteger(x) && x >= 0)) throw new Error(`${at}: "ids" must be a list of non-negative integers`);
        return [{ line: i + 1, ids: ids as number[], text: null }];
      }
      if (typeof t !== 'string') throw new Error(`${at}: expected {"ids": [int, ...]} or {"text": "..."}`);
      return [{ line: i + 1, ids: null, text: t }];
    });
    if (rows.length === 0) throw new Error(`${input}: no rows (expected one {"ids": [...]} or {"text": "..."} per line)`);
    await selectBackend({ prefer: stringOpt(values, 'backend') as BackendName | undefined });
    const { model, tokenizer } = loadModel(dir, { revision: stringOpt(values, 'revision') });
    let out: ScoredRow[];
    try {
      // Text rows are encoded together on the tokenizer's engine (Rust where it loads), as prepare and eval do.
      const encoded = tokenizer ? await tokenizer.encodeTexts(rows.map((r) => r.text ?? '')) : null;
      out = rows.map((r, i) => {
        if (r.text !== null && !encoded) throw new Error(`${input}:${r.line}: a text row needs a tokenizer, ${dir} has none`);
        const ids = r.ids ?? encoded![i]!;
        if (ids.length < 2) throw new Error(`${input}:${r.line}: ${ids.length} token(s); scoring needs at least 2 (a token and its successor)`);
        const limit = model.config.maxPositionEmbeddings;
        if (ids.length > limit) throw new Error(`${input}:${r.line}: ${ids.length} tokens, more than the model's ${limit} positions (max_position_embeddings of ${dir}): split or shorten the sequence`);
        const bad = ids.find((id) => id >= model.config.vocabSize);
        if (bad !== undefined) throw new Error(`${input}:${r.line}: token id ${bad} is outside the vocabulary (${model.config.vocabSize})`);
        return scoreIds(model, ids);
      });
    } finally {
      model.dispose();
    }
    if (values.json) process.stdout.write(JSON.stringify(out) + '\n');
    else for (const r of out) process.stdout.write(`${r.tokens.length} tokens  nll ${r.nll.toFixed(4)}  ppl ${Math.exp(r.nll).toFixed(2)}\n`);
    return 0;
  },
};
