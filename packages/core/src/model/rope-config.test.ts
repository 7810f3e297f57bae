import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { TINY_GEMMA2, TINY_LLAMA } from '../test-utils/fixtures.js';
import { parseConfig } from './config.js';
import { inverseFrequencies } from './rope.js';

const llama = JSON.parse(readFileSync(`${TINY_LLAMA}/config.json`, 'utf8')) as Record<string, unknown>;
const gemma = JSON.parse(readFileSync(`${TINY_GEMMA2}/config.json`, 'utf8')) as Record<string, unknown>;
const { rope_theta: _theta, rope_scaling: _scaling, ...llamaV5Base } = llama;

const llama3 = { factor: 8, low_freq_factor: 1, high_freq_factor: 4, original_max_position_embeddings: 64 };

describe('RoPE settings from both config layouts', () => {
  it('v4 (rope_theta + rope_scaling) and v5 (rope_parameters) give the same settings', () => {
    const v4 = parseConfig({ ...llama, rope_theta: 500000, rope_scaling: { rope_type: 'llama3', ...llama3 } }).rope;
    const v4OldKey = parseConfig({ ...llama, rope_theta: 500000, rope_scaling: { type: 'llama3', ...llama3 } }).rope;
    const v5 = parseConfig({ ...llamaV5Base, rope_parameters: { rope_type: 'llama3', rope_theta: 500000, ...llama3 } }).rope;
    const expected = { type: 'llama3', theta: 500000, factor: 8, lowFreqFactor: 1, highFreqFactor: 4, originalMaxPositionEmbeddings: 64 };
    expect(v4).toEqual(expected);
    expect(v4OldKey).toEqual(expected);
    expect(v5).toEqual(expected);
  });

  it('reads rope_theta from rope_parameters (the silent θ = 10000 bug) and defaults as transformers does', () => {
    expect(parseConfig({ ...llamaV5Base, rope_parameters: { rope_type: 'default', rope_theta: 2500 } }).rope).toEqual({ type: 'default', theta: 2500 });
    expect(parseConfig(llamaV5Base).rope).toEqual({ type: 'default', theta: 10000 });
    // A rope_theta inside the object wins over a top-level one; the top-level one fills a missing inner value.
    expect(parseConfig({ ...llama, rope_theta: 7, rope_parameters: { rope_type: 'linear', rope_theta: 9, factor: 2 } }).rope).toEqual({ type: 'linear', theta: 9, factor: 2 });
    expect(parseConfig({ ...llama, rope_theta: 7, rope_parameters: { rope_type: 'linear', factor: 2 } }).rope).toEqual({ type: 'linear', theta: 7, factor: 2 });
    // llama3 without original_max_position_embeddings falls back to max_position_embeddings (512 here).
    const { original_max_position_embeddings: _o, ...noOriginal } = llama3;
    expect(parseConfig({ ...llamaV5Base, rope_parameters: { rope_type: 'llama3', ...noOriginal } }).rope).toMatchObject({ originalMaxPositionEmbeddings: 512 });
    // dynamic carries max_position_embeddings, the length beyond which it rescales.
    expect(parseConfig({ ...llama, rope_scaling: { type: 'dynamic', factor: 2 } }).rope).toEqual({ type: 'dynamic', theta: 10000, factor: 2, maxPositionEmbeddings: 512 });
  });

  it('a v5 rope_parameters nested by layer type is read when every layer type agrees', () => {
    const inner = { rope_type: 'default', rope_theta: 2500 };
    const nested = { ...gemma, rope_theta: undefined, rope_parameters: { sliding_attention: inner, full_attention: inner } };
    expect(parseConfig(nested).rope).toEqual({ type: 'default', theta: 2500 });
    const differing = { ...nested, rope_parameters: { sliding_attention: inner, full_attention: { ...inner, rope_theta: 1e6 } } };
    expect(() => parseConfig(differing, 'g.json')).toThrow('g.json: "rope_parameters.full_attention" differs from "rope_parameters.sliding_attention"');
  });

  it('Gemma-2 layer_types: read when present, even layers slide when absent', () => {
    expect(parseConfig(gemma).slidingLayers).toEqual([true, false, true, false]);
    const { layer_types: _l, ...old } = gemma;
    expect(parseConfig(old).slidingLayers).toEqual([true, false, true, false]);
    const custom = ['full_attention', 'sliding_attention', 'sliding_attention', 'full_attention'];
    expect(parseConfig({ ...gemma, layer_types: custom }).slidingLayers).toEqual([false, true, true, false]);
  });

  it.each([
    [{ ...llamaV5Base, rope_parameters: { rope_type: 'yarn', factor: 4 } }, 'c.json rope_parameters: "rope_type" "yarn" is not supported (supported: default, linear, dynamic, llama3)'],
    [{ ...llama, rope_scaling: { type: 'longrope', factor: 4 } }, 'c.json rope_scaling: "type" "longrope" is not supported'],
    [{ ...llamaV5Base, rope_parameters: { rope_type: 'linear' } }, 'c.json rope_parameters: missing "factor"'],
    [{ ...llamaV5Base, rope_parameters: { rope_type: 'llama3', factor: 8, high_freq_factor: 4 } }, 'c.json rope_parameters: missing "low_freq_factor"'],
    [{ ...llamaV5Base, rope_parameters: { rope_type: 'default', rope_theta: 'big' } }, 'c.json rope_parameters: "rope_theta" must be a positive number, got "big"'],
    [{ ...llamaV5Base, rope_parameters: { rope_type: 'default', partial_rotary_factor: 0.5 } }, 'c.json rope_parameters: "partial_rotary_factor" 0.5 is not supported'],
    [{ ...llama, rope_scaling: 'llama3' }, 'c.json: "rope_scaling" must be an object, got "llama3"'],
    [{ ...gemma, layer_types: ['sliding_attention', 'chunked_attention', 'sliding_attention', 'full_attention'] }, 'c.json: "layer_types[1]" "chunked_attention" is not supported (supported: full_attention, sliding_attention, attention)'],
    [{ ...llama, layer_types: ['full_attention', 'sliding_attention', 'full_attention'] }, 'c.json: "layer_types[1]" "sliding_attention" is not supported (supported: full_attention, attention)'],
    [{ ...gemma, layer_types: ['full_attention'] }, 'c.json: layer_types has 1 entries for 4 layers'],
    [{ ...gemma, use_bidirectional_attention: true }, 'c.json: "use_bidirectional_attention" is not supported'],
  ])('rejects a bad value naming the key: %#', (raw, message) => {
    expect(() => parseConfig(raw as Record<string, unknown>, 'c.json')).toThrow(message);
  });
});

describe('inverse frequencies', () => {
  const headDim = 16;
  const theta = 500000;
  /** The published Llama-3.1 rule, evaluated independently in float64 per frequency. */
  function llama3Expected(): number[] {
    const { factor, low_freq_factor: low, high_freq_factor: high, original_max_position_embeddings: orig } = llama3;
    return Array.from({ length: headDim / 2 }, (_, i) => {
      const f = theta ** (-(2 * i) / headDim);
      const wavelength = (2 * Math.PI) / f;
      if (wavelength < orig / high) return f; // high frequency: kept
      if (wavelength > orig / low) return f / factor; // low frequency: interpolated by `factor`
      const smooth = (orig / wavelength - low) / (high - low);
      return (1 - smooth) * (f / factor) + smooth * f;
    });
  }

  it('llama3 matches the published formula, with all three regimes engaged on this config', () => {
    const config = parseConfig({ ...llamaV5Base, rope_parameters: { rope_type: 'llama3', rope_theta: theta, ...llama3 } });
    const got = Array.from(inverseFrequencies(config.rope, headDim));
    const expected = llama3Expected();
    got.forEach((g, i) => expect(Math.abs(g - expected[i]) / expected[i], `frequency ${i}`).toBeLessThan(1e-6));
    const plain = Array.from(inverseFrequencies({ type: 'default', theta }, headDim));
    const ratio = got.map((g, i) => plain[i] / g);
    expect(ratio[0]).toBeCloseTo(1, 6); // wavelength 6.3 < 64/4: unchanged
    expect(ratio[1]).toBeGreaterThan(1.5); // wavelength 32: blended
    expect(ratio[1]).toBeLessThan(7.5);
    for (const r of ratio.slice(2)) expect(r).toBeCloseTo(8, 5); // wavelength > 64: divided by 8
  });

  it('linear divides every frequency by factor; dynamic NTK grows θ only beyond max_position_embeddings', () => {
    const plain = inverseFrequencies({ type: 'default', theta: 10000 }, headDim);
    const linear = inverseFrequencies({ type: 'linear', theta: 10000, factor: 4 }, headDim);
    linear.forEach((f, i) => expect(f).toBeCloseTo(plain[i] / 4, 12));
    const dynamic = { type: 'dynamic', theta: 10000, factor: 4, maxPositionEmbeddings: 16 } as const;
    expect(inverseFrequencies(dynamic, headDim, 16)).toEqual(plain);
    // seqLen 40: θ' = θ·(4·40/16 − 3)^(16/14) = θ·7^(8/7).
    const grownTheta = 10000 * 7 ** (16 / 14);
    inverseFrequencies(dynamic, headDim, 40).forEach((f, i) => {
      const expected = grownTheta ** (-(2 * i) / headDim);
      expect(Math.abs(f - expected) / expected).toBeLessThan(1e-6);
    });
  });
});
