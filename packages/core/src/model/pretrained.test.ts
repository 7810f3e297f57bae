import { cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openCheckpoint } from '../checkpoint/checkpoint.js';
import { writeSafetensors } from '../checkpoint/writer.js';
import { TEST_BACKENDS, TINY_GEMMA2, TINY_LLAMA, useBackend } from '../test-utils/fixtures.js';
import { parseConfig } from './config.js';
import { loadPretrained, savePretrained } from './pretrained.js';

const made: string[] = [];
const tmp = () => {
  const dir = mkdtempSync(join(tmpdir(), 'dft-pretrained-'));
  made.push(dir);
  return dir;
};
afterAll(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

function weightsOf(dir: string): Map<string, Float32Array> {
  const ckpt = openCheckpoint(dir);
  const out = new Map(ckpt.names.map((n) => [n, ckpt.read(n)]));
  ckpt.close();
  return out;
}

/** A copy of tiny-llama whose checkpoint is rewritten by `edit` (F32). */
function editedLlama(edit: (tensors: Map<string, Float32Array>, shapes: Map<string, number[]>) => void): string {
  const dir = tmp();
  cpSync(TINY_LLAMA, dir, { recursive: true });
  const ckpt = openCheckpoint(TINY_LLAMA);
  const tensors = new Map(ckpt.names.map((n) => [n, ckpt.read(n)]));
  const shapes = new Map(ckpt.names.map((n) => [n, [...ckpt.info(n).shape]]));
  ckpt.close();
  edit(tensors, shapes);
  writeSafetensors(
    join(dir, 'model.safetensors'),
    [...tensors].map(([name, data]) => ({ name, shape: shapes.get(name)!, dtype: 'F32' as const, data })),
  );
  return dir;
}

describe('loadPretrained / savePretrained', () => {
  beforeAll(() => useBackend('cpu'));

  it.each(
    TEST_BACKENDS.flatMap((backend) => [
      [backend, 'tiny-llama', TINY_LLAMA, 'float16'],
      [backend, 'tiny-gemma2', TINY_GEMMA2, 'bfloat16'],
    ] as const),
  )('on %s: %s saved without a dtype keeps its own and reproduces the safetensors file byte for byte', async (backend, _n, dir, dtype) => {
    await useBackend(backend);
    const out = join(tmp(), 'saved');
    const { model } = loadPretrained(dir);
    expect(model.config.dtype).toBe(dtype);
    savePretrained(model, out, { tokenizerFrom: dir });
    model.dispose();
    expect(readFileSync(join(out, 'model.safetensors')).equals(readFileSync(join(dir, 'model.safetensors')))).toBe(true);
    const cfg = JSON.parse(readFileSync(join(out, 'config.json'), 'utf8'));
    expect(cfg.torch_dtype).toBe(dtype);
    expect(cfg.model_type).toBe(JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')).model_type);
    expect(existsSync(join(out, 'tokenizer.json'))).toBe(existsSync(join(dir, 'tokenizer.json')));
    await useBackend('cpu');
  });

  it('the dtype comes from `dtype` (transformers 5), `torch_dtype` (4.x) or else the stored weights; saving updates that key', () => {
    const raw = JSON.parse(readFileSync(join(TINY_GEMMA2, 'config.json'), 'utf8'));
    const { torch_dtype: _t, ...noDtype } = raw;
    for (const [config, dtype] of [
      [{ ...noDtype, dtype: 'float32' }, 'float32'],
      [{ ...noDtype, dtype: 'auto' }, 'bfloat16'],
      [noDtype, 'bfloat16'],
    ] as const) {
      const dir = tmp();
      writeFileSync(join(dir, 'config.json'), JSON.stringify(config));
      cpSync(join(TINY_GEMMA2, 'model.safetensors'), join(dir, 'model.safetensors'));
      const { model } = loadPretrained(dir);
      expect(model.config.dtype).toBe(dtype);
      const out = join(tmp(), 'saved');
      savePretrained(model, out);
      model.dispose();
      const saved = JSON.parse(readFileSync(join(out, 'config.json'), 'utf8'));
      expect(saved['dtype' in config ? 'dtype' : 'torch_dtype']).toBe(dtype);
      expect(Object.keys(saved).filter((k) => k === 'dtype' || k === 'torch_dtype')).toHaveLength(1);
      const ckpt = openCheckpoint(out);
      expect(ckpt.info('model.norm.weight').dtype).toBe({ float32: 'F32', bfloat16: 'BF16' }[dtype]);
      ckpt.close();
    }
    expect(() => parseConfig({ ...noDtype, dtype: 'int8' }, 'c.json')).toThrow('c.json: "dtype" "int8" is not supported (supported: float32, float16, bfloat16)');
  });

  it('float32 save → load is bit-exact, sharded too, and replaces an existing directory atomically', () => {
    const out = join(tmp(), 'f32');
    const { model } = loadPretrained(TINY_LLAMA);
    // Perturb the weights so the F16 grid does not hide f32 bits.
    for (const v of model.params.values()) v.assign(tf.tidy(() => tf.mul(v, 1 + 2 ** -20)));
    savePretrained(model, out, { dtype: 'float32', tokenizerFrom: TINY_LLAMA });
    savePretrained(model, out, { dtype: 'float32', maxShardBytes: 2_000_000 });
    expect(readdirSync(out).filter((f) => f.endsWith('.safetensors')).length).toBeGreaterThan(1);
    expect(existsSync(join(out, 'model.safetensors.index.json'))).toBe(true);
    expect(existsSync(join(out, 'tokenizer.json'))).toBe(false); // the second save replaced the whole directory
    expect(readdirSync(join(out, '..'))).toEqual(['f32']);
    const back = loadPretrained(out).model;
    for (const [name, v] of model.params) {
      expect(Buffer.from(back.params.get(name)!.dataSync().buffer).equals(Buffer.from(v.dataSync().buffer)), name).toBe(true);
    }
    model.dispose();
    back.dispose();
  });

  it('a directory with only config.json starts from a seeded HF-style random initialisation', () => {
    const dir = tmp();
    cpSync(join(TINY_LLAMA, 'config.json'), join(dir, 'config.json'));
    const logs: string[] = [];
    const a = loadPretrained(dir, { seed: 3, log: (l) => logs.push(l) });
    const b = loadPretrained(dir, { seed: 3, log: null });
    const c = loadPretrained(dir, { seed: 4, log: null });
    expect(a.initialized).toBe(true);
    expect(logs[0]).toContain('random initialisation with seed 3');
    const q = 'model.layers.0.self_attn.q_proj.weight';
    const data = Array.from(a.model.params.get(q)!.dataSync());
    expect(data).toEqual(Array.from(b.model.params.get(q)!.dataSync()));
    expect(data).not.toEqual(Array.from(c.model.params.get(q)!.dataSync()));
    const mean = data.reduce((s, x) => s + x, 0) / data.length;
    const std = Math.sqrt(data.reduce((s, x) => s + (x - mean) ** 2, 0) / data.length);
    expect(Math.abs(std - 0.02)).toBeLessThan(0.002);
    expect(Array.from(a.model.params.get('model.norm.weight')!.dataSync())).toEqual(Array(64).fill(1));
    for (const p of [a, b, c]) p.model.dispose();
  });

  describe('bad input names the file and tensor', () => {
    it('unknown model_type', () => {
      const dir = tmp();
      writeFileSync(join(dir, 'config.json'), JSON.stringify({ ...JSON.parse(readFileSync(join(TINY_LLAMA, 'config.json'), 'utf8')), model_type: 'bert' }));
      expect(() => loadPretrained(dir)).toThrow(`${join(dir, 'config.json')}: unknown model_type "bert" (supported: llama, gemma2)`);
    });
    it('missing config.json', () => {
      const dir = tmp();
      expect(() => loadPretrained(dir)).toThrow(`cannot read model config ${join(dir, 'config.json')}`);
    });
    it('tensor missing from the checkpoint', () => {
      const dir = editedLlama((t) => t.delete('model.layers.1.mlp.up_proj.weight'));
      expect(() => loadPretrained(dir)).toThrow(`${dir}: tensor model.layers.1.mlp.up_proj.weight is missing from the checkpoint`);
    });
    it('extra tensor not in the config', () => {
      const dir = editedLlama((t, s) => {
        t.set('model.layers.3.input_layernorm.weight', new Float32Array(64));
        s.set('model.layers.3.input_layernorm.weight', [64]);
      });
      expect(() => loadPretrained(dir)).toThrow(`${join(dir, 'model.safetensors')}: unexpected tensor model.layers.3.input_layernorm.weight`);
    });
    it('shape that disagrees with config.json', () => {
      const dir = editedLlama((t, s) => {
        t.set('model.norm.weight', new Float32Array(32));
        s.set('model.norm.weight', [32]);
      });
      expect(() => loadPretrained(dir)).toThrow(`tensor model.norm.weight has shape [32], config.json implies [64]`);
    });
    it('config values of the wrong kind', () => {
      expect(() => parseConfig({ model_type: 'llama', hidden_size: '64' }, 'cfg.json')).toThrow('cfg.json: "hidden_size" must be a number');
      expect(() => parseConfig({ model_type: 'llama', hidden_size: 64, num_attention_heads: 4, num_key_value_heads: 3 }, 'cfg.json')).toThrow(
        'num_attention_heads 4 is not a multiple of num_key_value_heads 3',
      );
    });
    it('a failing save leaves the previous checkpoint intact and no temporary directory', () => {
      const parent = tmp();
      const out = join(parent, 'out');
      const { model } = loadPretrained(TINY_GEMMA2);
      savePretrained(model, out, { dtype: 'bfloat16' });
      const before = readFileSync(join(out, 'model.safetensors'));
      expect(() => savePretrained(model, out, { maxShardBytes: -5 })).toThrow(/maxShardBytes/);
      expect(readdirSync(parent)).toEqual(['out']);
      expect(readFileSync(join(out, 'model.safetensors')).equals(before)).toBe(true);
      model.dispose();
      rmSync(parent, { recursive: true });
    });
  });
});
