import { copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TINY_GEMMA2, useBackend } from '../test-utils/fixtures.js';
import { hubCacheDir, isHubId, resolveModelDir } from './hub-cache.js';
import { loadPretrained } from './pretrained.js';

const MAIN = 'a'.repeat(40);
const TAGGED = 'b'.repeat(40);

/** A cache as huggingface_hub leaves it: refs → commit, snapshots/<commit>/<file> → symlinks into blobs/. */
function fakeCache(): string {
  const home = mkdtempSync(join(tmpdir(), 'dft-hf-home-'));
  const repo = join(home, 'hub', 'models--org--tiny-gemma2');
  mkdirSync(join(repo, 'blobs'), { recursive: true });
  mkdirSync(join(repo, 'refs'), { recursive: true });
  for (const [commit, files] of [
    [MAIN, ['config.json', 'model.safetensors']],
    [TAGGED, ['config.json']],
  ] as const) {
    mkdirSync(join(repo, 'snapshots', commit), { recursive: true });
    for (const f of files) {
      const blob = `${commit.slice(0, 8)}-${f}`;
      copyFileSync(join(TINY_GEMMA2, f), join(repo, 'blobs', blob));
      symlinkSync(join('..', '..', 'blobs', blob), join(repo, 'snapshots', commit, f));
    }
  }
  writeFileSync(join(repo, 'refs', 'main'), MAIN);
  writeFileSync(join(repo, 'refs', 'v1.0'), `${TAGGED}\n`);
  return home;
}

describe('Hub ids from the local Hugging Face cache', () => {
  let home: string;
  let env: NodeJS.ProcessEnv;
  const snapshot = (commit: string) => join(home, 'hub', 'models--org--tiny-gemma2', 'snapshots', commit);
  beforeAll(async () => {
    await useBackend('cpu');
    home = fakeCache();
    env = { HF_HOME: home };
  });
  afterAll(() => rmSync(home, { recursive: true, force: true }));

  it('resolves org/name through refs/main to its snapshot, whose symlinked files load', () => {
    const dir = resolveModelDir('org/tiny-gemma2', { env });
    expect(dir).toBe(snapshot(MAIN));
    const { model, config } = loadPretrained(dir, { log: null });
    expect(config.modelType).toBe('gemma2');
    expect(config.dtype).toBe('bfloat16');
    model.dispose();
  });

  it('--revision takes a tag or branch name (refs/<name>) or a full commit hash', () => {
    expect(resolveModelDir('org/tiny-gemma2', { env, revision: 'v1.0' })).toBe(snapshot(TAGGED));
    expect(resolveModelDir('org/tiny-gemma2', { env, revision: TAGGED })).toBe(snapshot(TAGGED));
    expect(resolveModelDir('org/tiny-gemma2', { env: { HF_HUB_CACHE: join(home, 'hub') } })).toBe(snapshot(MAIN));
  });

  it('an existing directory wins and is returned unchanged; --revision on it is an error', () => {
    expect(resolveModelDir(TINY_GEMMA2)).toBe(TINY_GEMMA2);
    expect(() => resolveModelDir(TINY_GEMMA2, { revision: 'main' })).toThrow(`--revision main applies to Hub ids, but ${TINY_GEMMA2} is a local directory`);
  });

  it('a model that is not cached: the error says where it looked and how to fetch it', () => {
    const repo = join(home, 'hub', 'models--meta-llama--Llama-2-7b-hf');
    expect(() => resolveModelDir('meta-llama/Llama-2-7b-hf', { env })).toThrow(
      `model meta-llama/Llama-2-7b-hf: ${repo} does not exist; it is neither a local directory nor in the Hugging Face cache ${join(home, 'hub')}. ` +
        'Nothing is downloaded at run time: fetch it first with `huggingface-cli download meta-llama/Llama-2-7b-hf` (into the cache) or ' +
        '`huggingface-cli download meta-llama/Llama-2-7b-hf --local-dir DIR` and pass DIR',
    );
    expect(() => resolveModelDir('org/tiny-gemma2', { env, revision: 'dev' })).toThrow(
      /revision "dev" is not cached \(no .*refs\/dev; cached refs: main, v1\.0\).*huggingface-cli download org\/tiny-gemma2 --revision dev --local-dir DIR/,
    );
    expect(() => resolveModelDir('org/tiny-gemma2', { env, revision: 'c'.repeat(40) })).toThrow(`${snapshot('c'.repeat(40))}/config.json does not exist`);
    expect(() => resolveModelDir('no/such/dir')).toThrow('model no/such/dir: no such directory (nor a Hub id of the form org/name)');
  });

  it('cache location: HF_HUB_CACHE, else HF_HOME/hub, else XDG_CACHE_HOME/huggingface/hub, else ~/.cache/huggingface/hub', () => {
    expect(hubCacheDir({ HF_HUB_CACHE: '/c', HF_HOME: '/h' })).toBe('/c');
    expect(hubCacheDir({ HF_HOME: '/h', XDG_CACHE_HOME: '/x' })).toBe('/h/hub');
    expect(hubCacheDir({ XDG_CACHE_HOME: '/x' })).toBe('/x/huggingface/hub');
    expect(hubCacheDir({})).toBe(join(homedir(), '.cache', 'huggingface', 'hub'));
  });

  it('tells Hub ids from paths', () => {
    expect(isHubId('meta-llama/Llama-2-7b-hf')).toBe(true);
    expect(isHubId('google/gemma-2-2b')).toBe(true);
    for (const p of ['tiny-llama', './a/b', '/abs/x', 'a/b/c', 'a--b/c', 'a/..', '../x']) expect(isHubId(p), p).toBe(false);
  });
});
