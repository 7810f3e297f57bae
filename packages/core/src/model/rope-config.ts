/**
 * RoPE settings read from HF `config.json` in both layouts transformers writes:
 * - transformers 4: top-level `rope_theta` and optional `rope_scaling` (`type` or `rope_type`, plus its parameters);
 * - transformers 5: one `rope_parameters` object holding `rope_type`, `rope_theta` and the type's parameters, with
 *   no top-level `rope_theta` / `rope_scaling`. It may also be nested by layer type (`{"full_attention": {...},
 *   "sliding_attention": {...}}`).
 * Precedence follows transformers 5: `rope_scaling` replaces `rope_parameters` when both are present, a `rope_theta`
 * inside the object beats the top-level one, and 10000 is the default.
 */

export type RopeType = 'default' | 'linear' | 'dynamic' | 'llama3';
export const ROPE_TYPES: readonly RopeType[] = ['default', 'linear', 'dynamic', 'llama3'];

/** Inverse frequencies `1/θ^(2i/d)`, unchanged. */
export interface DefaultRope {
  type: 'default';
  theta: number;
}

/** Position interpolation: every inverse frequency divided by `factor`. */
export interface LinearRope {
  type: 'linear';
  theta: number;
  factor: number;
}

/**
 * Dynamic NTK: when a pass reaches positions beyond `maxPositionEmbeddings`, θ grows to
 * `θ·(factor·seqLen/max − (factor − 1))^(d/(d−2))`; shorter passes use θ unchanged.
 */
export interface DynamicRope {
  type: 'dynamic';
  theta: number;
  factor: number;
  maxPositionEmbeddings: number;
}

/** Llama-3.1 frequency-dependent rescaling: low frequencies divided by `factor`, high kept, a smooth blend between. */
export interface Llama3Rope {
  type: 'llama3';
  theta: number;
  factor: number;
  lowFreqFactor: number;
  highFreqFactor: number;
  originalMaxPositionEmbeddings: number;
}

export type RopeSettings = DefaultRope | LinearRope | DynamicRope | Llama3Rope;

type Json = Record<string, unknown>;

const DEFAULT_THETA = 10000;

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function positive(obj: Json, key: string, where: string, fallback?: number): number {
  const v = obj[key] ?? fallback;
  if (v === undefined) throw new Error(`${where}: missing "${key}"`);
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) {
    throw new Error(`${where}: "${key}" must be a positive number, got ${JSON.stringify(v)}`);
  }
  return v;
}

/** One flat rope object (v4 `rope_scaling` merged with `rope_theta`, or v5 `rope_parameters`). */
function parseFlat(obj: Json, topTheta: number, maxPositionEmbeddings: number, where: string): RopeSettings {
  const type = obj.rope_type ?? obj.type ?? 'default';
  const typeKey = obj.rope_type !== undefined ? 'rope_type' : 'type';
  const theta = positive(obj, 'rope_theta', where, topTheta);
  const prf = obj.partial_rotary_factor;
  if (prf !== undefined && prf !== null && prf !== 1) {
    throw new Error(`${where}: "partial_rotary_factor" ${JSON.stringify(prf)} is not supported (LLaMA and Gemma-2 rotate the whole head)`);
  }
  switch (type) {
    case 'default':
      return { type: 'default', theta };
    case 'linear':
      return { type: 'linear', theta, factor: positive(obj, 'factor', where) };
    case 'dynamic':
      return { type: 'dynamic', theta, factor: positive(obj, 'factor', where), maxPositionEmbeddings };
    case 'llama3': {
      const low = positive(obj, 'low_freq_factor', where);
      const high = positive(obj, 'high_freq_factor', where);
      if (high <= low) throw new Error(`${where}: "high_freq_factor" ${high} must exceed "low_freq_factor" ${low}`);
      return {
        type: 'llama3',
        theta,
        factor: positive(obj, 'factor', where),
        lowFreqFactor: low,
        highFreqFactor: high,
        // transformers fills a missing original length with max_position_embeddings.
        originalMaxPositionEmbeddings: positive(obj, 'original_max_position_embeddings', where, maxPositionEmbeddings),
      };
    }
    default:
      throw new Error(
        `${where}: "${typeKey}" ${JSON.stringify(type)} is not supported (supported: ${ROPE_TYPES.join(', ')})`,
      );
  }
}

function sameSettings(a: RopeSettings, b: RopeSettings): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/**
 * Reads the RoPE settings of a config. `layerTypes` are the labels a v5 `rope_parameters` object may be nested
 * under; nested objects must agree, since every layer of LLaMA and Gemma-2 uses the same rotation.
 */
export function parseRope(raw: Json, maxPositionEmbeddings: number, layerTypes: readonly string[], file: string): RopeSettings {
  const topTheta = raw.rope_theta ?? DEFAULT_THETA;
  if (typeof topTheta !== 'number' || !Number.isFinite(topTheta) || topTheta <= 0) {
    throw new Error(`${file}: "rope_theta" must be a positive number, got ${JSON.stringify(topTheta)}`);
  }
  for (const k of ['rope_scaling', 'rope_parameters']) {
    if (raw[k] !== undefined && raw[k] !== null && !isObject(raw[k])) {
      throw new Error(`${file}: "${k}" must be an object, got ${JSON.stringify(raw[k])}`);
    }
  }
  // transformers 5 takes `rope_scaling` over `rope_parameters` when it is a non-empty object.
  const key = isObject(raw.rope_scaling) && Object.keys(raw.rope_scaling).length > 0 ? 'rope_scaling' : 'rope_parameters';
  const obj = raw[key];
  if (!isObject(obj)) return { type: 'default', theta: topTheta };
  const nested = Object.keys(obj).filter((k) => layerTypes.includes(k));
  if (nested.length === 0) return parseFlat(obj, topTheta, maxPositionEmbeddings, `${file} ${key}`);
  const settings = nested.map((k) => {
    const inner = obj[k];
    if (!isObject(inner)) throw new Error(`${file}: "${key}.${k}" must be an object, got ${JSON.stringify(inner)}`);
    return parseFlat(inner, topTheta, maxPositionEmbeddings, `${file} ${key}.${k}`);
  });
  const differing = nested.find((_, i) => !sameSettings(settings[i], settings[0]));
  if (differing !== undefined) {
    throw new Error(
      `${file}: "${key}.${differing}" differs from "${key}.${nested[0]}"; per-layer-type RoPE is not supported for this model type`,
    );
  }
  return settings[0];
}
