import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dft, tempDir, TINY_LLAMA } from '../test-utils/cli-harness.js';
import { TRAINING_DEFAULTS, type TrainingConfig } from '@dft/core';
import { PRESETS, resolveConfig } from './config.js';

let tmp: ReturnType<typeof tempDir>;
beforeAll(() => {
  tmp = tempDir('config');
});
afterAll(() => tmp.remove());

/** Writes a config file under a sub-folder (so "relative to the file" differs from the working directory). */
function configFile(name: string, text: string): string {
  const dir = join(tmp.dir, 'configs');
  mkdirSync(dir, { recursive: true });
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

/** `dft train --config <file> ... --print-config`, parsed. */
async function printed(...args: string[]): Promise<TrainingConfig> {
  const r = await dft('train', ...args, '--print-config');
  expect(r.err).toBe('');
  expect(r.code).toBe(0);
  return JSON.parse(r.out) as TrainingConfig;
}

const BASE = {
  model: '../models/tiny',
  data: 'data/train.arrow',
  out: '../runs/a',
  method: 'dft-logits',
  lcLayer: 1,
  etLayer: 2,
  lr: 0.001,
  globalBatch: 8,
  microBatch: 4,
  maxLength: 128,
  evalDataDir: 'eval',
  evalData: { 'xquad:zh': 'eval/xquad.zh.json' },
  finalEvalTasks: ['xcopa:zh', 'xquad:zh'],
  resumeFrom: 'latest',
};

const YAML = `# the same run as BASE, in YAML
model: ../models/tiny
data: data/train.arrow
out: ../runs/a
method: dft-logits
lcLayer: 1
etLayer: 2
lr: 1.0e-3
globalBatch: 8
microBatch: 4
maxLength: 128
evalDataDir: eval
evalData:
  "xquad:zh": eval/xquad.zh.json
finalEvalTasks: [xcopa:zh, xquad:zh]
resumeFrom: latest
`;

describe('dft train configuration', () => {
  it('reads a JSON file, resolving its relative paths against the file folder and filling the defaults', async () => {
    const file = configFile('run.json', JSON.stringify(BASE));
    const c = await printed('--config', file);
    const dir = join(tmp.dir, 'configs');
    expect(c).toEqual({
      ...TRAINING_DEFAULTS,
      ...BASE,
      model: join(tmp.dir, 'models', 'tiny'),
      data: join(dir, 'data', 'train.arrow'),
      out: join(tmp.dir, 'runs', 'a'),
      evalDataDir: join(dir, 'eval'),
      evalData: { 'xquad:zh': join(dir, 'eval', 'xquad.zh.json') },
      resumeFrom: 'latest',
    });
    // Untouched defaults come through as written in TRAINING_DEFAULTS.
    expect(c.seed).toBe(42);
    expect(c.detachTeacher).toBe(true);
  });

  it('keeps a Hub id (org/name) as written, with its revision, instead of resolving it against the file', async () => {
    const file = configFile('hub.json', JSON.stringify({ ...BASE, model: 'meta-llama/Llama-2-7b-hf', revision: 'v1.0' }));
    const c = await printed('--config', file);
    expect(c.model).toBe('meta-llama/Llama-2-7b-hf');
    expect(c.revision).toBe('v1.0');
    expect((await printed('--config', file, '--revision', 'main')).revision).toBe('main');
  });

  it('reads the same run from YAML', async () => {
    const fromJson = await printed('--config', configFile('same.json', JSON.stringify(BASE)));
    const fromYaml = await printed('--config', configFile('same.yaml', YAML));
    expect(fromYaml).toEqual(fromJson);
    expect(fromYaml.lr).toBe(0.001);
  });

  it('resolves a list of data files against the file and keeps absolute paths', async () => {
    const file = configFile('list.yml', `model: ${TINY_LLAMA}\ndata: [a.json, /abs/b.json]\nout: out\nmethod: sft\n`);
    const c = await printed('--config', file);
    expect(c.data).toEqual([join(tmp.dir, 'configs', 'a.json'), '/abs/b.json']);
    expect(c.model).toBe(TINY_LLAMA);
  });

  it('lets command-line flags win over the file (numbers, lists, booleans, method)', async () => {
    const file = configFile('flags.json', JSON.stringify(BASE));
    const c = await printed(
      '--config', file,
      '--lr', '5e-4',
      '--method', 'dft-feature',
      '--micro-batch', '2',
      '--eval-tasks', 'xcopa:zh, xquad:zh',
      '--detach-teacher', 'false',
      '--gradient-checkpointing', 'true',
      '--loss-chunk-tokens', '64',
      '--data', 'x.json,y.json',
      '--out', 'runs/flag',
      '--dtype', 'bfloat16',
    );
    expect(c.dtype).toBe('bfloat16');
    expect(c.lr).toBe(5e-4);
    expect(c.method).toBe('dft-feature');
    expect(c.microBatch).toBe(2);
    expect(c.globalBatch).toBe(8);
    expect(c.evalTasks).toEqual(['xcopa:zh', 'xquad:zh']);
    expect(c.detachTeacher).toBe(false);
    expect(c.gradientCheckpointing).toBe(true);
    expect(c.lossChunkTokens).toBe(64);
    // Flag paths stay as given (relative to the working directory), file paths are resolved against the file.
    expect(c.data).toEqual(['x.json', 'y.json']);
    expect(c.out).toBe('runs/flag');
    expect(c.model).toBe(join(tmp.dir, 'models', 'tiny'));
  });

  it('zeroStage: 0 by default, 1 or 2 from a flag (a number string), anything else named as an error', () => {
    const minimal = { model: 'm', data: 'd.arrow', out: 'o', method: 'tft' };
    expect(resolveConfig([minimal], 'file').zeroStage).toBe(0);
    expect(resolveConfig([minimal, { zeroStage: '2' }], ['file', 'command line']).zeroStage).toBe(2);
    expect(() => resolveConfig([minimal, { zeroStage: '3' }], ['file', 'command line'])).toThrow('command line: "zeroStage" must be 0, 1 or 2, got 3');
  });

  it('--preset paper holds the paper recipe, under every explicit setting', async () => {
    expect(PRESETS.paper).toEqual({ lr: 2e-5, epochs: 3, globalBatch: 128, schedule: 'cosine', warmupRatio: 0.03, weightDecay: 0, maxLength: 512 });
    const minimal = { model: 'm', data: 'd.arrow', out: 'o', method: 'tft' };
    const fromPreset = resolveConfig([{ ...minimal, schedule: 'linear', epochs: 1 }, { preset: 'paper' }], ['file', 'flags']);
    // The file's explicit schedule and epochs survive a preset named on the command line ...
    expect(fromPreset.schedule).toBe('linear');
    expect(fromPreset.epochs).toBe(1);
    // ... and everything the file leaves open comes from the preset.
    expect(fromPreset).toMatchObject({ lr: 2e-5, globalBatch: 128, warmupRatio: 0.03, weightDecay: 0, maxLength: 512 });
    // A preset in the file, a flag over it.
    const file = configFile('preset.yaml', `preset: paper\nmodel: m\ndata: d.arrow\nout: o\nmethod: tft\nmicroBatch: 16\n`);
    const c = await printed('--config', file, '--lr', '1e-4');
    expect(c).toMatchObject({ lr: 1e-4, epochs: 3, globalBatch: 128, microBatch: 16, schedule: 'cosine', warmupRatio: 0.03, weightDecay: 0, maxLength: 512 });
    expect(c).not.toHaveProperty('preset');
  });

  const bad: [string, string, string[], RegExp][] = [
    ['an unknown setting', 'unknown.json', [JSON.stringify({ ...BASE, learningRate: 0.1 })], /unknown\.json: unknown setting "learningRate"/],
    ['a number that is not one', 'nan.json', [JSON.stringify({ ...BASE, lr: 'fast' })], /nan\.json: "lr" must be a number, got "fast"/],
    ['globalBatch not a multiple of microBatch', 'batch.json', [JSON.stringify({ ...BASE, globalBatch: 10 })], /batch\.json: globalBatch 10 is not a multiple of microBatch 4/],
    ['dft-logits without lcLayer', 'nolc.json', [JSON.stringify({ ...BASE, lcLayer: undefined })], /nolc\.json: method dft-logits needs "lcLayer"/],
    ['dft-feature without etLayer', 'noet.yaml', [`model: m\ndata: d\nout: o\nmethod: dft-feature\nlcLayer: 1\n`], /noet\.yaml: method dft-feature needs "etLayer"/],
    ['an unknown method', 'method.json', [JSON.stringify({ ...BASE, method: 'dpo' })], /method\.json: unknown method "dpo" \(sft, tft, dft-logits, dft-feature\)/],
    ['an unknown preset', 'preset.json', [JSON.stringify({ ...BASE, preset: 'huge' })], /preset\.json: unknown preset "huge" \(known: paper\)/],
    ['a negative layer', 'layer.json', [JSON.stringify({ ...BASE, lcLayer: -1 })], /layer\.json: "lcLayer" must be a layer index or "auto", got -1/],
    ['a boolean that is not one', 'bool.json', [JSON.stringify({ ...BASE, detachTeacher: 'maybe' })], /bool\.json: "detachTeacher" must be true or false, got "maybe"/],
    ['a negative loss chunk', 'chunk.json', [JSON.stringify({ ...BASE, lossChunkTokens: -1 })], /chunk\.json: "lossChunkTokens" must be an integer ≥ 0, got -1/],
    ['a warmup ratio above 1', 'warm.json', [JSON.stringify({ ...BASE, warmupRatio: 3 })], /warm\.json: "warmupRatio" must be in \[0, 1\], got 3/],
    ['a zero learning rate', 'lr0.json', [JSON.stringify({ ...BASE, lr: 0 })], /lr0\.json: "lr" must be > 0, got 0/],
    ['a path that is not a string', 'path.json', [JSON.stringify({ ...BASE, model: 7 })], /path\.json: "model" must be a path \(a string\), got 7/],
    ['a missing model', 'nomodel.json', [JSON.stringify({ ...BASE, model: undefined })], /nomodel\.json \+ command line: "model" \(a model directory\) is required/],
    ['malformed JSON (line named)', 'syntax.json', ['{\n  "model": "m",\n  "lr": 0.1,\n}\n'], /syntax\.json: not valid JSON: .*\(line 4, column 1\)/],
    ['malformed YAML (line named)', 'syntax.yaml', ['model: m\nlr: [1, 2\nout: o\n'], /syntax\.yaml: not valid YAML: .*line/],
    ['a config that is a list', 'list.json', ['[1, 2]'], /list\.json: a config must be an object of settings/],
  ];
  it.each(bad)('exits 2 naming the file for %s', async (_what, name, [text], message) => {
    const r = await dft('train', '--config', configFile(name, text));
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    expect(r.err).toMatch(message);
    expect(r.err).toContain('(see dft train --help)');
  });

  it('names the command line when a flag is wrong, and exits 2 for a missing config file', async () => {
    const file = configFile('ok.json', JSON.stringify(BASE));
    const flag = await dft('train', '--config', file, '--global-batch', '6');
    expect(flag.code).toBe(2);
    expect(flag.err).toMatch(/command line: globalBatch 6 is not a multiple of microBatch 4/);
    const num = await dft('train', '--config', file, '--seed', 'abc');
    expect(num.code).toBe(2);
    expect(num.err).toMatch(/command line: "seed" must be a number, got "abc"/);
    const dtype = await dft('train', '--config', file, '--dtype', 'fp8');
    expect(dtype.code).toBe(2);
    expect(dtype.err).toMatch(/command line: "dtype" must be one of float32, float16, bfloat16, got "fp8"/);
    const missing = await dft('train', '--config', join(tmp.dir, 'nope.yaml'));
    expect(missing.code).toBe(2);
    expect(missing.err).toMatch(/cannot read config .*nope\.yaml: ENOENT/);
    const noFile = await dft('train', '--model', TINY_LLAMA, '--method', 'sft');
    expect(noFile.code).toBe(2);
    expect(noFile.err).toMatch(/command line: "data" is required/);
  });

  it('exits 1 naming the model when a layer index is out of range for it', async () => {
    const r = await dft('train', '--model', TINY_LLAMA, '--data', join(tmp.dir, 'unused.json'), '--out', join(tmp.dir, 'o'), '--method', 'dft-logits', '--lc-layer', '1', '--et-layer', '7');
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/etLayer 7 is out of range 0\.\.3 for .*tiny-llama/);
  });
});
