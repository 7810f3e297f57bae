import { parseRope, type RopeSettings } from './rope-config.js';

/** Architectures this package runs, by HF `model_type`. */
export type ModelType = 'llama' | 'gemma2';
export type Activation = 'silu' | 'gelu_pytorch_tanh';
/** Floating-point dtypes a model's weights are stored in (HF `dtype` / `torch_dtype` names). */
export type ModelDtype = 'float32' | 'float16' | 'bfloat16';
export const MODEL_DTYPES: readonly ModelDtype[] = ['float32', 'float16', 'bfloat16'];

/** A decoder-only model's hyper-parameters, read from HF `config.json`. */
export interface ModelConfig {
  /** `gemma2`: embeddings × sqrt(hidden), RMSNorm × (1 + w), sandwich norms, soft-capping, sliding layers. */
  modelType: ModelType;
  vocabSize: number;
  hiddenSize: number;
  intermediateSize: number;
  numLayers: number;
  numHeads: number;
  numKvHeads: number;
  headDim: number;
  rmsNormEps: number;
  /** RoPE type and parameters, from either the transformers-4 or the transformers-5 layout. */
  rope: RopeSettings;
  maxPositionEmbeddings: number;
  tieWordEmbeddings: boolean;
  activation: Activation;
  bosTokenId: number | null;
  eosTokenIds: number[];
  padTokenId: number | null;
  /** Gemma-2: scores are scaled by `queryPreAttnScalar^-0.5` (LLaMA: headDim). */
  queryPreAttnScalar: number;
  attnLogitSoftcapping: number | null;
  finalLogitSoftcapping: number | null;
  /** Window W of sliding layers: query i sees key j iff 0 ≤ i − j < W. */
  slidingWindow: number | null;
  /** Per layer: true where the layer uses the sliding window. */
  slidingLayers: boolean[];
  /**
   * The dtype of the weights: `dtype` (transformers 5) or `torch_dtype` (4.x) of config.json; null when the config
   * names none (or `auto`), in which case `loadPretrained` takes the stored dtype of the weights. Saving keeps it.
   */
  dtype: ModelDtype | null;
  /** The parsed `config.json`, written back unchanged (except dtype) on save. */
  raw: Record<string, unknown>;
}

type Json = Record<string, unknown>;

function num(raw: Json, key: string, where: string, fallback?: number): number {
  const v = raw[key];
  if (v === undefined || v === null) {
    if (fallback !== undefined) return fallback;
    throw new Error(`${where}: missing "${key}"`);
  }
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new Error(`${where}: "${key}" must be a number, got ${JSON.stringify(v)}`);
  return v;
}

function positiveInt(raw: Json, key: string, where: string, fallback?: number): number {
  const v = num(raw, key, where, fallback);
  if (!Number.isInteger(v) || v <= 0) throw new Error(`${where}: "${key}" must be a positive integer, got ${v}`);
  return v;
}

/** `dtype` (transformers 5) or `torch_dtype` (4.x); `auto` and absence mean "as stored". */
function parseDtype(raw: Json, where: string): ModelDtype | null {
  const key = raw.dtype !== undefined && raw.dtype !== null ? 'dtype' : 'torch_dtype';
  const v = raw[key];
  if (v === undefined || v === null || v === 'auto') return null;
  if (!MODEL_DTYPES.includes(v as ModelDtype)) {
    throw new Error(`${where}: "${key}" ${JSON.stringify(v)} is not supported (supported: ${MODEL_DTYPES.join(', ')})`);
  }
  return v as ModelDtype;
}

function optionalId(v: unknown): number | null {
  return typeof v === 'number' ? v : null;
}

/** Attention layouts of HF `layer_types`; `attention` is transformers' legacy name of `full_attention`. */
const ATTENTION_LAYER_TYPES = ['full_attention', 'sliding_attention', 'attention'];

/**
 * Per layer: true where it slides. Gemma-2 without `layer_types` (transformers < 4.53) slides on even layers, as
 * transformers fills it in; LLaMA has no sliding window, so only full attention is accepted there.
 */
function parseLayerTypes(raw: Json, numLayers: number, gemma: boolean, where: string): boolean[] {
  const types = raw.layer_types;
  if (types === undefined || types === null) return Array.from({ length: numLayers }, (_, i) => gemma && i % 2 === 0);
  if (!Array.isArray(types)) throw new Error(`${where}: "layer_types" must be a list, got ${JSON.stringify(types)}`);
  if (types.length !== numLayers) throw new Error(`${where}: layer_types has ${types.length} entries for ${numLayers} layers`);
  return types.map((t, i) => {
    const allowed = gemma ? ATTENTION_LAYER_TYPES : ['full_attention', 'attention'];
    if (typeof t !== 'string' || !allowed.includes(t)) {
      throw new Error(`${where}: "layer_types[${i}]" ${JSON.stringify(t)} is not supported (supported: ${allowed.join(', ')})`);
    }
    return t === 'sliding_attention';
  });
}

/** LLaMA-family `model_type`s that share LlamaForCausalLM's computation. */
const LLAMA_TYPES = new Set(['llama']);

/**
 * Parses HF `config.json` (already JSON-decoded). `where` names the file in errors.
 * Unsupported features (biases, unknown activations, unknown model types) are rejected, not ignored.
 */
export function parseConfig(raw: Json, where = 'config.json'): ModelConfig {
  const type = raw.model_type;
  const gemma = type === 'gemma2';
  if (!gemma && !(typeof type === 'string' && LLAMA_TYPES.has(type))) {
    throw new Error(`${where}: unknown model_type ${JSON.stringify(type)} (supported: llama, gemma2)`);
  }
  if (raw.attention_bias === true || raw.mlp_bias === true) {
    throw new Error(`${where}: attention_bias / mlp_bias are not supported`);
  }
  const hiddenSize = positiveInt(raw, 'hidden_size', where);
  const numHeads = positiveInt(raw, 'num_attention_heads', where);
  const numKvHeads = positiveInt(raw, 'num_key_value_heads', where, numHeads);
  if (numHeads % numKvHeads !== 0) {
    throw new Error(`${where}: num_attention_heads ${numHeads} is not a multiple of num_key_value_heads ${numKvHeads}`);
  }
  const headDim = positiveInt(raw, 'head_dim', where, hiddenSize / numHeads);
  const numLayers = positiveInt(raw, 'num_hidden_layers', where);
  const act = (raw.hidden_activation ?? raw.hidden_act ?? (gemma ? 'gelu_pytorch_tanh' : 'silu')) as string;
  const activation: Activation | null = act === 'silu' ? 'silu' : act === 'gelu_pytorch_tanh' || act === 'gelu_tanh' ? 'gelu_pytorch_tanh' : null;
  if (!activation) throw new Error(`${where}: hidden activation "${act}" is not supported (silu, gelu_pytorch_tanh)`);
  const eos = raw.eos_token_id;
  const eosTokenIds = Array.isArray(eos) ? eos.filter((x): x is number => typeof x === 'number') : typeof eos === 'number' ? [eos] : [];
  const slidingWindow = gemma && raw.sliding_window !== null ? positiveInt(raw, 'sliding_window', where, 4096) : null;
  const slidingLayers = parseLayerTypes(raw, numLayers, gemma, where);
  if (gemma && raw.use_bidirectional_attention === true) {
    throw new Error(`${where}: "use_bidirectional_attention" is not supported (Gemma-2 decoders attend causally)`);
  }
  const maxPositionEmbeddings = positiveInt(raw, 'max_position_embeddings', where, 2048);
  const softcap = (key: string) => (gemma && typeof raw[key] === 'number' ? (raw[key] as number) : null);
  return {
    modelType: gemma ? 'gemma2' : 'llama',
    vocabSize: positiveInt(raw, 'vocab_size', where),
    hiddenSize,
    intermediateSize: positiveInt(raw, 'intermediate_size', where),
    numLayers,
    numHeads,
    numKvHeads,
    headDim,
    rmsNormEps: num(raw, 'rms_norm_eps', where, 1e-6),
    rope: parseRope(raw, maxPositionEmbeddings, ATTENTION_LAYER_TYPES, where),
    maxPositionEmbeddings,
    tieWordEmbeddings: typeof raw.tie_word_embeddings === 'boolean' ? raw.tie_word_embeddings : gemma,
    activation,
    bosTokenId: optionalId(raw.bos_token_id),
    eosTokenIds,
    padTokenId: optionalId(raw.pad_token_id),
    queryPreAttnScalar: gemma ? num(raw, 'query_pre_attn_scalar', where, headDim) : headDim,
    attnLogitSoftcapping: softcap('attn_logit_softcapping'),
    finalLogitSoftcapping: softcap('final_logit_softcapping'),
    slidingWindow,
    slidingLayers,
    dtype: parseDtype(raw, where),
    raw,
  };
}

export interface ParamSpec {
  name: string;
  /** HF shape (PyTorch layout, `[out, in]` for linear weights). */
  shape: number[];
}

/** Every tensor a checkpoint of this config holds, with HF names and shapes. */
export function parameterSpecs(c: ModelConfig): ParamSpec[] {
  const D = c.hiddenSize;
  const q = c.numHeads * c.headDim;
  const kv = c.numKvHeads * c.headDim;
  const specs: ParamSpec[] = [{ name: 'model.embed_tokens.weight', shape: [c.vocabSize, D] }];
  const norms = c.modelType === 'gemma2'
    ? ['input_layernorm', 'post_attention_layernorm', 'pre_feedforward_layernorm', 'post_feedforward_layernorm']
    : ['input_layernorm', 'post_attention_layernorm'];
  for (let i = 0; i < c.numLayers; i++) {
    const p = `model.layers.${i}`;
    specs.push(
      { name: `${p}.self_attn.q_proj.weight`, shape: [q, D] },
      { name: `${p}.self_attn.k_proj.weight`, shape: [kv, D] },
      { name: `${p}.self_attn.v_proj.weight`, shape: [kv, D] },
      { name: `${p}.self_attn.o_proj.weight`, shape: [D, q] },
      { name: `${p}.mlp.gate_proj.weight`, shape: [c.intermediateSize, D] },
      { name: `${p}.mlp.up_proj.weight`, shape: [c.intermediateSize, D] },
      { name: `${p}.mlp.down_proj.weight`, shape: [D, c.intermediateSize] },
      ...norms.map((n) => ({ name: `${p}.${n}.weight`, shape: [D] })),
    );
  }
  specs.push({ name: 'model.norm.weight', shape: [D] });
  if (!c.tieWordEmbeddings) specs.push({ name: 'lm_head.weight', shape: [c.vocabSize, D] });
  return specs;
}
