import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadPretrained, selectBackend, type Pretrained } from '@dft/core';
import { openDataset, prepareParallel, readTextRows } from '@dft/data';
import { analyzeLayers } from '@dft/eval';
import { type LayersReport } from '@dft/eval/internal';
import { readLayerExamples, resolveAutoLayers } from './layers.js';
import { dft } from '../test-utils/cli-harness.js';

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const TINY = join(ROOT, 'fixtures', 'models', 'tiny-llama');
const SOURCE = join(ROOT, 'packages', 'data', 'fixtures', 'alpaca-en-zh-300.json');

describe('dft layers', () => {
  let tmp: string;
  let data: string;
  let tiny: Pretrained;
  const env = { PATH: process.env.PATH, DFT_CHROMIUM: process.env.DFT_CHROMIUM };
  beforeAll(async () => {
    await selectBackend({ prefer: 'wasm', log: null });
    tmp = mkdtempSync(join(tmpdir(), 'dft-layers-cli-'));
    data = join(tmp, 'prepared');
    await prepareParallel({ input: SOURCE, tokenizer: TINY, outDir: data, limit: 24 });
    tiny = loadPretrained(TINY, { log: null });
    // No real browser in these tests: an empty PATH, or a stand-in script.
    delete process.env.DFT_CHROMIUM;
    process.env.PATH = join(tmp, 'empty-bin');
  });
  afterAll(() => {
    process.env.PATH = env.PATH;
    if (env.DFT_CHROMIUM !== undefined) process.env.DFT_CHROMIUM = env.DFT_CHROMIUM;
    tiny.model.dispose();
    rmSync(tmp, { recursive: true, force: true });
  });

  it('writes JSON + HTML for the prepared en–zh slice; the curves are the library analysis of the first rows', async () => {
    const out = join(tmp, 'run1');
    const r = await dft('layers', '--model', TINY, '--data', data, '--languages', 'zh,en', '--limit', '6', '--out', out, '--backend', 'wasm', '--json');
    expect(r.code).toBe(0);
    const report = JSON.parse(r.out) as LayersReport;
    expect(JSON.parse(readFileSync(join(out, 'layers.json'), 'utf8'))).toEqual(report);
    expect(report.data).toBe(join(data, 'train.arrow'));
    const [m] = report.models;
    expect(report.models.length).toBe(1);
    expect(m!.analysis.curves.map((c) => [c.lang, c.n, c.entropy.length, c.alignment?.length ?? null])).toEqual([
      ['zh', 6, 4, 4],
      ['en', 6, 4, null],
    ]);
    // The tiny model's 3 layers: candidates 1..2; flat random curves -> the fallback pair.
    expect([m!.suggestion.lcLayer, m!.suggestion.etLayer]).toEqual([1, 2]);
    // Same numbers as the library on the same rows.
    const ds = await openDataset(join(data, 'train.arrow'));
    const examples = await readLayerExamples(ds, ['zh'], 6);
    await ds.close();
    const direct = analyzeLayers({ model: tiny.model, examples, langs: ['zh', 'en'] });
    expect(m!.analysis).toEqual(direct);
    // The query span of each example covers the instruction of its row.
    const rows = await readTextRows(join(data, 'train.arrow'), { limit: 6 });
    examples.forEach((e, i) => {
      const query = tiny.tokenizer!.decode(Array.from(e.target.ids).slice(e.target.queryStart, e.target.queryEnd));
      expect(query.trim().startsWith(rows[i]!.instruction.trim().slice(0, 8))).toBe(true);
      const enQuery = tiny.tokenizer!.decode(Array.from(e.english.ids).slice(e.english.queryStart, e.english.queryEnd));
      expect(enQuery.trim().startsWith(rows[i]!.enInstruction.trim().slice(0, 8))).toBe(true);
    });
    const html = readFileSync(join(out, 'layers.html'), 'utf8');
    expect(html).toContain(`data-series="zh" data-layer="3" data-value="${m!.analysis.curves[0]!.entropy[3]}"`);
    expect(html).toContain(`data-series="zh–en" data-layer="1" data-value="${m!.analysis.curves[0]!.alignment![1]}"`);
    expect(r.err).toMatch(/layers: no PNG: chromium not found/);
    expect(existsSync(join(out, 'layers.png'))).toBe(false);
  });

  it('prints the table; renders the PNG through the browser it is given; compare mode analyses both models', async () => {
    const bin = join(tmp, 'bin');
    mkdirSync(bin, { recursive: true });
    const browser = join(bin, 'fake-chromium');
    writeFileSync(browser, `#!/bin/sh\nfor a in "$@"; do case "$a" in --screenshot=*) printf 'PNG' > "\${a#--screenshot=}";; --window-size=*) echo "$a" > ${join(tmp, 'size.txt')};; esac; done\n`);
    chmodSync(browser, 0o755);
    const out = join(tmp, 'run2');
    const r = await dft('layers', '--model', TINY, '--compare', TINY, '--data', join(data, 'train.arrow'), '--limit', '3', '--out', out, '--chromium', browser);
    expect(r.code).toBe(0);
    expect(r.out.match(/^.*tiny-llama: 3 layers, examples zh 3, en 3, entropy in nats \(uniform = 10\.373\)$/gm)!.length).toBe(2);
    expect(r.out).toMatch(/^ {4}1 .*← lcLayer \(language conversion ends\)$/m);
    expect(r.out).toMatch(/^suggested: lcLayer 1, etLayer 2 from the paper's proportions/m);
    expect(readFileSync(join(out, 'layers.png'), 'utf8')).toBe('PNG');
    expect(readFileSync(join(tmp, 'size.txt'), 'utf8').trim()).toBe('--window-size=1280,1460');
    const report = JSON.parse(readFileSync(join(out, 'layers.json'), 'utf8')) as LayersReport;
    expect(report.models.map((m) => m.model)).toEqual([TINY, TINY]);
    expect(report.models[1]!.analysis.curves[0]!.alignment).toEqual(report.models[0]!.analysis.curves[0]!.alignment);
    expect(readFileSync(join(out, 'layers.html'), 'utf8')).toContain('data-series="B zh–en"');
  });

  it('resolveAutoLayers gives the suggested pair from a path or an open dataset, and checks the tokenizer', async () => {
    const a = await resolveAutoLayers({ model: tiny.model, data, langs: ['zh'], limit: 4, tokenizerHash: tiny.tokenizer!.hash });
    expect([a.lcLayer, a.etLayer, a.suggestion.source]).toEqual([1, 2, 'fallback']);
    expect(a.analysis.curves.map((c) => [c.lang, c.n])).toEqual([['zh', 4]]);
    const ds = await openDataset(join(data, 'train.arrow'));
    try {
      const b = await resolveAutoLayers({ model: tiny.model, data: ds, limit: 4 });
      expect(b.analysis.curves[0]!.entropy).toEqual(a.analysis.curves[0]!.entropy);
      await expect(resolveAutoLayers({ model: tiny.model, data: ds, tokenizerHash: 'f'.repeat(64) })).rejects.toThrow(
        /train\.arrow was prepared with another tokenizer .* than the model/,
      );
      // The open dataset stays usable.
      expect((await readLayerExamples(ds, undefined, 1)).length).toBe(1);
    } finally {
      await ds.close();
    }
    await expect(resolveAutoLayers({ model: tiny.model, data: join(tmp, 'nope.arrow') })).rejects.toThrow(/nope\.arrow: not found/);
  });

  it('usage errors exit 2, bad data exits 1 with the file named, and nothing is written', async () => {
    const out = join(tmp, 'bad');
    const usage: [string[], RegExp][] = [
      [['--data', data], /--model is required/],
      [['--model', TINY], /--data is required/],
      [['--model', TINY, '--data', data, '--limit', '0'], /--limit must be an integer ≥ 1, got "0"/],
      [['--model', TINY, '--data', data, '--pool', 'max'], /--pool must be mean or last, got "max"/],
      [['--model', TINY, '--data', data, '--smooth', '2'], /--smooth must be odd, got 2/],
      [['--model', TINY, '--data', data, '--positions', 'all'], /--positions must be query or prompt/],
      [['--model', TINY, '--data', data, '--frobnicate'], /Unknown option '--frobnicate'/],
    ];
    for (const [args, msg] of usage) {
      const r = await dft('layers', ...args, '--out', out);
      expect([r.code, r.err]).toEqual([2, expect.stringMatching(msg)]);
    }
    const failing: [string[], RegExp][] = [
      [['--data', join(tmp, 'missing.arrow')], /missing\.arrow: not found \(expected a prepared \.arrow file/],
      [['--data', tmp], /a folder without dataset\.json, not one written by dft prepare/],
      [['--data', data, '--languages', 'ar'], /no rows in language "ar" \(the data has zh\)/],
      [['--data', SOURCE], /alpaca-en-zh-300\.json: not an Arrow IPC file/],
    ];
    for (const [args, msg] of failing) {
      const r = await dft('layers', '--model', TINY, '--backend', 'wasm', ...args, '--out', out);
      expect([r.code, r.err]).toEqual([1, expect.stringMatching(msg)]);
    }
    expect(existsSync(out)).toBe(false);
  });

  it('is listed in dft --help and documents itself', async () => {
    expect((await dft('--help')).out).toMatch(/^ {2}layers +per-layer logit-lens entropy and cross-lingual alignment; suggests lcLayer \/ etLayer$/m);
    const h = await dft('layers', '--help');
    expect(h.code).toBe(0);
    expect(h.out).toContain('dft layers --model models/llama2-7b --compare out/dft-logits/final');
    expect(h.out).toMatch(/--no-png +do not render layers\.png/);
  });
});
