import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadPretrained, selectBackend, type LogRow } from '@dft/core';
import { dft, readJson, readJsonLines, stepDirs, tempDir, TINY_LLAMA, writeShortRecords } from '../test-utils/cli-harness.js';

/** Bad input and failures of `dft train`: divergence, missing data, another tokenizer (signals and kills: src/faults). */

let tmp: ReturnType<typeof tempDir>;
let data: string;
const ONE_STEP = ['--method', 'sft', '--micro-batch', '1', '--global-batch', '1', '--warmup-ratio', '0', '--schedule', 'constant'];

beforeAll(async () => {
  tmp = tempDir('failures');
  const raw = join(tmp.dir, 'eight.json');
  writeShortRecords(raw, 8);
  data = join(tmp.dir, 'eight');
  const r = await dft('prepare', '--input', raw, '--tokenizer', TINY_LLAMA, '--out', data, '--max-length', '128');
  expect(r.code).toBe(0);
});
afterAll(() => tmp.remove());

describe('dft train: bad input and failures', () => {
  it('a NaN/Inf loss stops with a clear message, exit 1, and leaves the last good checkpoint intact', async () => {
    const out = join(tmp.dir, 'diverged');
    // lr 1e30 turns every weight into ±1e30 after step 1, so step 2's forward pass overflows. Such weights only
    // fit a float32 checkpoint (a float16 one is refused: see the next test).
    const r = await dft('train', '--model', TINY_LLAMA, '--data', data, '--out', out, ...ONE_STEP, '--lr', '1e30', '--max-steps', '3', '--save-every', '1', '--dtype', 'float32');
    expect(r.code).toBe(1);
    const good = join(out, 'step-000001');
    expect(r.err).toMatch(/^dft train: error: training diverged at step 2: the (loss|gradient norm) is (NaN|-?Infinity) \(lower the learning rate or check the data\)/m);
    expect(r.err).toContain(`the last good checkpoint is ${good}`);
    // Nothing of step 2 was written: no checkpoint, no log row, no temporary folder, no report.
    expect(readdirSync(out).sort()).toEqual(['log.jsonl', 'step-000001']);
    const log = readJsonLines<LogRow>(join(out, 'log.jsonl'));
    expect(log.map((x) => x.step)).toEqual([1]);
    expect(Number.isFinite(log[0].loss)).toBe(true);
    expect(readJson<{ step: number }>(join(good, 'trainer_state.json')).step).toBe(1);
    // The checkpoint loads, and its weights are the finite step-1 weights (±1e30 is finite; overflow came later).
    await selectBackend({ prefer: 'wasm', log: null });
    const { model } = loadPretrained(good, { log: null });
    try {
      for (const [name, p] of model.params) {
        const v = p.dataSync();
        expect(v.every(Number.isFinite), name).toBe(true);
      }
    } finally {
      model.dispose();
    }
  });

  it('weights beyond float16 are refused at the save of a float16 checkpoint, naming the tensor; nothing half-written', async () => {
    const out = join(tmp.dir, 'beyond-f16');
    const r = await dft('train', '--model', TINY_LLAMA, '--data', data, '--out', out, ...ONE_STEP, '--lr', '1e30', '--max-steps', '1', '--save-every', '1');
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/tensor "[\w.]+": value -?[\d.e+]+ at element \d+ is beyond the range of F16 and would be stored as Infinity; store the checkpoint as F32 \(dft train --dtype float32\)/);
    expect(stepDirs(out)).toEqual([]);
    expect(readdirSync(out).filter((f) => f.includes('tmp'))).toEqual([]);
  });

  it('a fresh run refuses an --out holding an earlier run\'s checkpoints unless --overwrite', async () => {
    const out = join(tmp.dir, 'earlier');
    const args = ['--model', TINY_LLAMA, '--data', data, '--out', out, ...ONE_STEP, '--lr', '1e-3'];
    expect((await dft('train', ...args, '--max-steps', '2', '--save-every', '1')).code).toBe(0);
    expect(stepDirs(out)).toEqual(['step-000001', 'step-000002']);
    const again = await dft('train', ...args, '--max-steps', '1');
    expect(again.code).toBe(1);
    expect(again.err).toContain(`${out} already holds checkpoints of an earlier run (step-000001, step-000002): continue it with --resume-from latest, choose another --out, or pass --overwrite to delete them`);
    expect(stepDirs(out)).toEqual(['step-000001', 'step-000002']);
    const fresh = await dft('train', ...args, '--max-steps', '1', '--overwrite');
    expect(fresh.code).toBe(0);
    // Only the new run's checkpoint is left, so "latest" is its own.
    expect(stepDirs(out)).toEqual(['step-000001']);
    expect(readJsonLines<LogRow>(join(out, 'log.jsonl')).map((x) => x.step)).toEqual([1]);
  });

  it('a missing data file exits 1 naming it (prepared .arrow and raw source)', async () => {
    const arrow = join(tmp.dir, 'nope', 'train.arrow');
    const r = await dft('train', '--model', TINY_LLAMA, '--data', arrow, '--out', join(tmp.dir, 'o1'), ...ONE_STEP, '--max-steps', '1');
    expect(r.code).toBe(1);
    expect(r.err).toContain(`training data ${arrow} not found`);
    const raw = join(tmp.dir, 'nope.json');
    const r2 = await dft('train', '--model', TINY_LLAMA, '--data', raw, '--out', join(tmp.dir, 'o2'), ...ONE_STEP, '--max-steps', '1');
    expect(r2.code).toBe(1);
    expect(r2.err).toContain(`${raw}: no such file or directory`);
    expect(existsSync(join(tmp.dir, 'o1', 'log.jsonl'))).toBe(false);
  });

  it('data prepared with another tokenizer exits 1 before any training', async () => {
    // Same vocabulary, different tokenizer.json bytes: a different tokenizer as far as the data sidecar can tell.
    const other = join(tmp.dir, 'other-tokenizer');
    mkdirSync(other);
    for (const f of ['tokenizer_config.json', 'special_tokens_map.json']) copyFileSync(join(TINY_LLAMA, f), join(other, f));
    writeFileSync(join(other, 'tokenizer.json'), readFileSync(join(TINY_LLAMA, 'tokenizer.json'), 'utf8') + '\n');
    const otherData = join(tmp.dir, 'other-data');
    expect((await dft('prepare', '--input', join(tmp.dir, 'eight.json'), '--tokenizer', other, '--out', otherData)).code).toBe(0);
    const out = join(tmp.dir, 'mismatch');
    const r = await dft('train', '--model', TINY_LLAMA, '--data', otherData, '--out', out, ...ONE_STEP, '--max-steps', '1');
    expect(r.code).toBe(1);
    expect(r.err).toMatch(new RegExp(`${join(otherData, 'train.arrow')} was prepared with another tokenizer .* than ${TINY_LLAMA}`));
    expect(r.err).toContain("run dft prepare with this model's tokenizer");
    expect(stepDirs(out)).toEqual([]);
  });
});
