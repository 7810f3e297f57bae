import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LogRow } from '@dft/core';
import { dft, readJsonLines, tempDir, TINY_LLAMA, writeShortRecords } from '../test-utils/cli-harness.js';

/*
 * `dft train --gradient-checkpointing true --loss-chunk-tokens N` trains the same steps as the default (same losses
 * and terms), holding less: the peakBytes of every logged step is lower.
 */

let tmp: ReturnType<typeof tempDir>;
let data: string;
beforeAll(async () => {
  tmp = tempDir('memory-options');
  const raw = join(tmp.dir, 'short.json');
  writeShortRecords(raw, 4);
  data = join(tmp.dir, 'short');
  expect((await dft('prepare', '--input', raw, '--tokenizer', TINY_LLAMA, '--out', data, '--max-length', '64')).code).toBe(0);
});
afterAll(() => tmp.remove());

async function train(name: string, ...flags: string[]): Promise<LogRow[]> {
  const out = join(tmp.dir, name);
  const r = await dft('train', '--model', TINY_LLAMA, '--data', data, '--out', out, '--method', 'dft-logits', '--lc-layer', '1', '--et-layer', '2',
    '--micro-batch', '2', '--global-batch', '2', '--lr', '1e-3', '--warmup-ratio', '0', '--max-steps', '2', ...flags);
  expect(r.err).not.toMatch(/error/i);
  expect(r.code).toBe(0);
  return readJsonLines<LogRow>(join(out, 'log.jsonl'));
}

describe('dft train memory options', () => {
  it('--gradient-checkpointing and --loss-chunk-tokens give the default run\'s losses with a lower peak', async () => {
    const plain = await train('plain', '--loss-chunk-tokens', '0');
    const lean = await train('lean', '--gradient-checkpointing', 'true', '--loss-chunk-tokens', '16');
    expect(lean).toHaveLength(2);
    lean.forEach((row, i) => {
      for (const key of ['loss', 'tft', 'lc', 'et']) expect(Math.abs(row[key]! - plain[i]![key]!), `step ${row.step} ${key}`).toBeLessThanOrEqual(1e-5 * plain[i]![key]!);
      expect(row.peakBytes).toBeLessThan(plain[i]!.peakBytes);
    });
  }, 600_000);
});
