import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIXTURES, read, toleranceExcess, useBackend } from '../test-utils/fixtures.js';
import { loadPretrained } from './pretrained.js';

/**
 * transformers 5.18 re-saved the tiny fixtures with RoPE variants (its own layout: `rope_parameters`, no top-level
 * `rope_theta`) and scored one long sequence each; `fixtures/make-hf5-rope-reference.py` wrote this file.
 */
interface Variant {
  name: string;
  fixture: string;
  config: Record<string, unknown>;
  ids: number[];
  logsumexp: number[];
  nll_per_token: number[];
}
const REFERENCE = fileURLToPath(new URL('../../fixtures/hf5-rope-reference.json', import.meta.url));
const variants = (JSON.parse(readFileSync(REFERENCE, 'utf8')) as { variants: Variant[] }).variants;

const made: string[] = [];
afterAll(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

/** A model directory: this config beside a symlink to the fixture's weights. */
function modelDir(fixture: string, config: Record<string, unknown>): string {
  const dir = mkdtempSync(join(tmpdir(), 'dft-hf5-'));
  made.push(dir);
  writeFileSync(join(dir, 'config.json'), JSON.stringify(config));
  symlinkSync(join(FIXTURES, fixture, 'model.safetensors'), join(dir, 'model.safetensors'));
  return dir;
}

/** The same settings as transformers 4 wrote them: top-level `rope_theta`, the rest in `rope_scaling`, no layer_types. */
function v4Twin(v5: Record<string, unknown>): Record<string, unknown> {
  const { rope_parameters: rp, layer_types: _layerTypes, ...rest } = v5;
  const { rope_theta, rope_type, ...scaling } = rp as Record<string, unknown>;
  return { ...rest, rope_theta, rope_scaling: rope_type === 'default' ? null : { type: rope_type, ...scaling } };
}

function scores(dir: string, ids: number[]) {
  const { model } = loadPretrained(dir, { log: null });
  const V = model.config.vocabSize;
  const logits = read(() => model.forward(tf.tensor2d([ids], [1, ids.length], 'int32')).logits!);
  model.dispose();
  const lse: number[] = [];
  const nll: number[] = [];
  for (let t = 0; t < ids.length; t++) {
    const row = logits.subarray(t * V, (t + 1) * V);
    const m = row.reduce((a, b) => Math.max(a, b), -Infinity);
    lse.push(m + Math.log(row.reduce((s, x) => s + Math.exp(x - m), 0)));
    if (t + 1 < ids.length) nll.push(lse[t] - row[ids[t + 1]]);
  }
  return { lse, nll };
}

describe('configs saved by transformers 5 (rope_parameters, layer_types)', () => {
  beforeAll(() => useBackend('cpu'));

  it('the reference covers every supported rope type in the v5 layout', () => {
    expect(variants.map((v) => (v.config.rope_parameters as { rope_type: string }).rope_type).sort()).toEqual(
      ['default', 'default', 'dynamic', 'linear', 'llama3'],
    );
    for (const v of variants) expect(v.config).not.toHaveProperty('rope_theta');
  });

  it.each(variants.map((v) => [v.name, v] as const))('%s: transformers 5 layout and its transformers 4 twin match transformers', (_n, v) => {
    const fromV5 = scores(modelDir(v.fixture, v.config), v.ids);
    expect(toleranceExcess(fromV5.lse, v.logsumexp).excess).toBeLessThanOrEqual(0);
    expect(toleranceExcess(fromV5.nll, v.nll_per_token).excess).toBeLessThanOrEqual(0);
    const fromV4 = scores(modelDir(v.fixture, v4Twin(v.config)), v.ids);
    expect(fromV4.nll).toEqual(fromV5.nll);
    // Negative control: plain RoPE with θ = 10000 (what reading only `rope_theta` gave) is far off.
    const plain = { ...v.config, rope_parameters: { rope_type: 'default', rope_theta: 10000 } };
    const wrong = scores(modelDir(v.fixture, plain), v.ids);
    expect(Math.max(...wrong.nll.map((x, i) => Math.abs(x - v.nll_per_token[i])))).toBeGreaterThan(0.05);
  });

  it('Gemma-2 follows layer_types: all-full attention changes the scores of a sequence longer than the window', () => {
    const v = variants.find((x) => x.fixture === 'tiny-gemma2')!;
    const allFull = { ...v.config, layer_types: Array(4).fill('full_attention') };
    const got = scores(modelDir(v.fixture, allFull), v.ids);
    expect(Math.max(...got.nll.map((x, i) => Math.abs(x - v.nll_per_token[i])))).toBeGreaterThan(0.05);
    // The 4.x name of full attention (`attention`) reads as full attention.
    const legacy = scores(modelDir(v.fixture, { ...allFull, layer_types: Array(4).fill('attention') }), v.ids);
    expect(legacy.nll).toEqual(got.nll);
  });
});
