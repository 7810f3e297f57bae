import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { Tokenizer } from '@dft/tokenizer';
import { writeDirectoryAtomically } from '@dft/util';
import { openCheckpoint, type Checkpoint } from '../checkpoint/checkpoint.js';
import type { FloatDtype } from '../checkpoint/dtypes.js';
import { readJsonFile } from '../checkpoint/json-file.js';
import { INDEX_FILE, SINGLE_FILE } from '../checkpoint/layout.js';
import { writeCheckpoint } from '../checkpoint/write-checkpoint.js';
import { parameterSpecs, parseConfig, type ModelConfig, type ModelDtype } from './config.js';
import { initialParameters } from './init.js';
import { CausalLM, isLinearWeight } from './model.js';
import { modelVariableMaker } from './variables.js';

/** Tensors HF checkpoints may hold that carry no learned state. */
const IGNORED = /(^|\.)rotary_emb\.inv_freq$/;

export interface LoadOptions {
  /** Seed of the random initialisation used when the directory has `config.json` but no weights. Default 0. */
  seed?: number;
  /** Where a random initialisation is reported (default stderr; null = silent). */
  log?: ((line: string) => void) | null;
}

export interface Pretrained {
  model: CausalLM;
  /** null when the directory has no tokenizer.json (e.g. the tiny Gemma-2 fixture). */
  tokenizer: Tokenizer | null;
  config: ModelConfig;
  /** true when the weights were randomly initialised (no weights file in the directory). */
  initialized: boolean;
}

function hasWeights(dir: string): boolean {
  return fs.existsSync(path.join(dir, SINGLE_FILE)) || fs.existsSync(path.join(dir, INDEX_FILE));
}

/**
 * Reads every tensor the config needs, checking names and shapes; errors name the file and the tensor. Each tensor
 * goes straight into its variable and its read buffer is released before the next is read, so loading never holds
 * more than the weights plus one tensor in flight (its file bytes and, for a linear weight, its transpose).
 */
function readParameters(config: ModelConfig, ckpt: Checkpoint): Map<string, tf.Variable> {
  const specs = parameterSpecs(config);
  const expected = new Set(specs.map((s) => s.name));
  for (const name of ckpt.names) {
    // Tied checkpoints sometimes still store lm_head.weight (a copy of the embeddings).
    if (expected.has(name) || IGNORED.test(name) || (name === 'lm_head.weight' && config.tieWordEmbeddings)) continue;
    throw new Error(`${ckpt.info(name).file}: unexpected tensor ${name} (not part of a ${config.modelType} model with this config)`);
  }
  const make = modelVariableMaker();
  const params = new Map<string, tf.Variable>();
  try {
    for (const spec of specs) {
      if (!ckpt.has(spec.name)) throw new Error(`${ckpt.dir}: tensor ${spec.name} is missing from the checkpoint`);
      const info = ckpt.info(spec.name);
      if (!tf.util.arraysEqual([...info.shape], spec.shape)) {
        throw new Error(`${info.file}: tensor ${spec.name} has shape [${info.shape}], config.json implies [${spec.shape}]`);
      }
      // The stored-layout copy of a linear weight is released as soon as it is transposed.
      const value = tf.tidy(() => {
        const t = tf.tensor(ckpt.read(spec.name), spec.shape, 'float32');
        return isLinearWeight(spec.name) ? tf.transpose(t) : t;
      });
      // The variable shares the value's storage (tfjs counts both until the value is disposed).
      const variable = make(spec.name, value);
      value.dispose();
      params.set(spec.name, variable);
    }
  } catch (e) {
    for (const v of params.values()) v.dispose();
    throw e;
  }
  return params;
}

/**
 * Loads a Hugging Face model directory: `config.json`, `model.safetensors` or shards, and `tokenizer.json` when
 * present. A directory with a config but no weights starts from a seeded random initialisation.
 */
export function loadPretrained(dir: string, opts: LoadOptions = {}): Pretrained {
  let config = parseConfig(readJsonFile(path.join(dir, 'config.json'), 'model config'), path.join(dir, 'config.json'));
  let params: Map<string, tf.Variable>;
  let initialized = false;
  if (hasWeights(dir)) {
    const ckpt = openCheckpoint(dir);
    try {
      params = readParameters(config, ckpt);
      // A config without a dtype: the weights' own dtype (transformers' `dtype="auto"` does the same).
      if (config.dtype === null) config = { ...config, dtype: STORED_AS[ckpt.info('model.embed_tokens.weight').dtype] ?? 'float32' };
    } finally {
      ckpt.close();
    }
  } else {
    const seed = opts.seed ?? 0;
    const log = opts.log === undefined ? (l: string) => process.stderr.write(l + '\n') : opts.log;
    log?.(`dft: ${dir} has no weights; random initialisation with seed ${seed}`);
    params = initialParameters(config, seed);
    initialized = true;
    config = { ...config, dtype: config.dtype ?? 'float32' };
  }
  const tokenizer = fs.existsSync(path.join(dir, 'tokenizer.json')) ? Tokenizer.fromDir(dir) : null;
  return { model: new CausalLM(config, params), tokenizer, config, initialized };
}

export type SaveDtype = ModelDtype;
const STORED: Record<SaveDtype, FloatDtype> = { float32: 'F32', float16: 'F16', bfloat16: 'BF16' };
const STORED_AS: Partial<Record<string, SaveDtype>> = { F32: 'float32', F16: 'float16', BF16: 'bfloat16' };

/** The dtype a save writes: the requested one, else the model's own (float32 when it has none). */
export function saveDtypeOf(model: CausalLM, opts: SaveOptions = {}): SaveDtype {
  return opts.dtype ?? model.config.dtype ?? 'float32';
}

export interface SaveOptions {
  /** Stored dtype (default: the model's own); written to config.json as `torch_dtype` (`dtype` in 5.x configs). */
  dtype?: SaveDtype;
  /** Split the weights into shards of at most this many bytes (HF `max_shard_size`). */
  maxShardBytes?: number;
  /** Copy tokenizer files from this model directory. */
  tokenizerFrom?: string;
}

const TOKENIZER_FILES = ['tokenizer.json', 'tokenizer_config.json', 'special_tokens_map.json', 'generation_config.json'];

/**
 * Writes the model's HF files (config.json with `torch_dtype`, safetensors with HF names and `[out, in]` layouts,
 * tokenizer files) into an existing directory.
 */
export function writePretrainedFiles(model: CausalLM, dir: string, opts: SaveOptions = {}): void {
  const dtype = saveDtypeOf(model, opts);
  const tensors = parameterSpecs(model.config).map((spec) => {
    const v = model.params.get(spec.name)!;
    // Read outside tf.tidy: tidy walks every element of a returned typed array looking for tensors.
    const t = isLinearWeight(spec.name) ? tf.transpose(v) : v;
    const data = Float32Array.from(t.dataSync() as Float32Array);
    if (t !== v) t.dispose();
    return { name: spec.name, shape: spec.shape, dtype: STORED[dtype], data };
  });
  writeCheckpoint(dir, tensors, { maxShardBytes: opts.maxShardBytes });
  // transformers 5 writes `dtype`, 4.x `torch_dtype`: update the key the config has, so it never holds both.
  const config = { ...model.config.raw, ['dtype' in model.config.raw ? 'dtype' : 'torch_dtype']: dtype };
  fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(config, null, 2) + '\n');
  if (opts.tokenizerFrom) {
    for (const f of TOKENIZER_FILES) {
      const src = path.join(opts.tokenizerFrom, f);
      if (fs.existsSync(src)) fs.copyFileSync(src, path.join(dir, f));
    }
  }
}

/**
 * Writes the model as a Hugging Face directory that transformers' `from_pretrained` loads. Everything is written
 * into a temporary sibling directory that replaces `dir` at the end.
 */
export function savePretrained(model: CausalLM, dir: string, opts: SaveOptions = {}): void {
  writeDirectoryAtomically(dir, (tmp) => writePretrainedFiles(model, tmp, opts));
}
