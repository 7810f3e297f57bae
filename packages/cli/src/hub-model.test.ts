import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dft, readJson, tempDir, TINY_LLAMA } from './test-utils/cli-harness.js';

const COMMIT = '0123456789abcdef0123456789abcdef01234567';
const ref = readJson<{ sequences: number[][]; nll_mean: number[] }>(join(TINY_LLAMA, 'reference.json'));

let home: ReturnType<typeof tempDir>;
let previous: string | undefined;
beforeAll(() => {
  // models--org--tiny-llama/snapshots/<commit>/<file> → the fixture's files, refs/main → <commit>.
  home = tempDir('hf-home');
  const repo = join(home.dir, 'hub', 'models--org--tiny-llama');
  const snapshot = join(repo, 'snapshots', COMMIT);
  mkdirSync(snapshot, { recursive: true });
  mkdirSync(join(repo, 'refs'));
  writeFileSync(join(repo, 'refs', 'main'), COMMIT);
  for (const f of ['config.json', 'model.safetensors', 'tokenizer.json', 'tokenizer_config.json', 'special_tokens_map.json']) {
    symlinkSync(join(TINY_LLAMA, f), join(snapshot, f));
  }
  previous = process.env.HF_HOME;
  process.env.HF_HOME = home.dir;
});
afterAll(() => {
  if (previous === undefined) delete process.env.HF_HOME;
  else process.env.HF_HOME = previous;
  home.remove();
});

describe('--model org/name from the local Hugging Face cache', () => {
  it('score and generate load a cached Hub id (refs/main, or --revision <commit>) as they load the directory', async () => {
    const input = join(home.dir, 'seqs.jsonl');
    writeFileSync(input, JSON.stringify({ ids: ref.sequences[0] }) + '\n');
    const scored = await dft('score', '--model', 'org/tiny-llama', '--input', input, '--json', '--backend', 'cpu');
    expect(scored.code, scored.err).toBe(0);
    expect(Math.abs(JSON.parse(scored.out)[0].nll - ref.nll_mean[0])).toBeLessThanOrEqual(2e-4);
    const args = ['--prompt', 'Once upon a time', '--max-new-tokens', '4', '--json', '--backend', 'cpu'];
    const fromHub = await dft('generate', '--model', 'org/tiny-llama', '--revision', COMMIT, ...args);
    const fromDir = await dft('generate', '--model', TINY_LLAMA, ...args);
    expect(fromHub.code, fromHub.err).toBe(0);
    expect(JSON.parse(fromHub.out)[0].tokens).toHaveLength(4);
    expect(JSON.parse(fromHub.out)).toEqual(JSON.parse(fromDir.out));
  });

  it('a model that is not cached fails in every command, saying where it looked and how to fetch it', async () => {
    const hub = join(home.dir, 'hub');
    const runs = [
      await dft('train', '--model', 'org/absent', '--data', 'none.arrow', '--out', join(home.dir, 'run'), '--method', 'sft'),
      await dft('eval', '--model', 'org/absent', '--tasks', 'xcopa:zh', '--backend', 'cpu'),
      await dft('layers', '--model', 'org/absent', '--data', join(home.dir, 'none'), '--backend', 'cpu'),
      await dft('generate', '--model', 'org/absent', '--prompt', 'x', '--backend', 'cpu'),
      await dft('score', '--model', 'org/absent', '--input', join(home.dir, 'seqs.jsonl'), '--backend', 'cpu'),
    ];
    for (const r of runs) {
      expect(r.code, r.err).toBe(1);
      expect(r.err).toContain(`${join(hub, 'models--org--absent')} does not exist`);
      expect(r.err).toContain('`huggingface-cli download org/absent --local-dir DIR`');
    }
    const rev = await dft('score', '--model', 'org/tiny-llama', '--revision', 'v2', '--input', join(home.dir, 'seqs.jsonl'));
    expect(rev.code).toBe(1);
    expect(rev.err).toMatch(/revision "v2" is not cached \(no .*refs\/v2; cached refs: main\)/);
  });
});
