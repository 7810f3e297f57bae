import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKEND_ORDER } from '@dft/core';
import { COMMANDS } from './cli.js';
import { BACKEND_OPTION, parseCommandLine, type Command } from './command.js';
import { closest, editDistance } from './did-you-mean.js';
import { dft, ROOT, tempDir } from './test-utils/cli-harness.js';

let tmp: ReturnType<typeof tempDir>;
beforeAll(() => {
  tmp = tempDir('habits');
});
afterAll(() => tmp.remove());

describe('did-you-mean', () => {
  it('edit distance counts insertions, deletions, substitutions and swaps of neighbours', () => {
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(editDistance('train', 'trian')).toBe(1);
    expect(editDistance('', 'abc')).toBe(3);
    expect(editDistance('same', 'same')).toBe(0);
  });

  it('suggests the closest name within a third of its length, ignoring case, - and _', () => {
    expect(closest('max_steps', ['max-steps', 'max-length'])).toBe('max-steps');
    expect(closest('evl', ['eval', 'train'])).toBe('eval');
    expect(closest('frobnicate', ['eval', 'train'])).toBeUndefined();
  });
});

describe('CLI habits', () => {
  it('--version prints the version of @dft/cli', async () => {
    const { version } = JSON.parse(readFileSync(join(ROOT, 'packages', 'cli', 'package.json'), 'utf8')) as { version: string };
    const r = await dft('--version');
    expect(r.code).toBe(0);
    expect(r.out).toBe(`dft ${version}\n`);
  });

  it.each(COMMANDS.map((c) => [c.name, c.name] as const))('dft help %s and dft %s -h print the same help as --help', async (name) => {
    const help = await dft(name, '--help');
    expect(help.out).toContain(`usage: `);
    for (const other of [await dft('help', name), await dft(name, '-h')]) {
      expect(other.code).toBe(0);
      expect(other.out).toBe(help.out);
    }
    expect(help.out).toContain('-h, --help');
  });

  it('an unknown command, also after help, names the closest one', async () => {
    const r = await dft('tarin');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^dft: unknown command "tarin" \(did you mean train\?\)\n/);
    const h = await dft('help', 'evl');
    expect(h.code).toBe(2);
    expect(h.err).toMatch(/^dft: unknown command "evl" \(did you mean eval\?\)\n/);
  });

  it('one name per idea: no command keeps the old spellings, each old one is a deprecated alias of the new', () => {
    const renamed: Record<string, string> = { langs: 'languages', 'batch-size': 'micro-batch', 'max-gen-tokens': 'max-new-tokens', 'max-tokens': 'max-new-tokens', 'data-dir': 'eval-data-dir' };
    for (const cmd of COMMANDS) {
      for (const [old, now] of Object.entries(renamed)) {
        expect(Object.keys(cmd.options), `dft ${cmd.name} --${old}`).not.toContain(old);
        const owner = Object.entries(cmd.options).find(([, o]) => o.deprecatedNames?.includes(old));
        if (owner) expect(owner[0]).toBe(now);
      }
    }
    const names = (n: string) => COMMANDS.filter((c) => n in c.options).map((c) => c.name);
    // dft plan takes dft train's flags (it plans the same run).
    expect(names('languages')).toEqual(['prepare', 'train', 'plan', 'eval', 'layers']);
    expect(names('micro-batch')).toEqual(['train', 'plan', 'eval', 'layers']);
    expect(names('max-new-tokens')).toEqual(['eval', 'generate']);
    expect(names('eval-data-dir')).toEqual(['train', 'plan', 'eval']);
  });

  it('a deprecated flag still works, under its new name, with a warning; --help lists the old name', async () => {
    const cmd: Command = {
      name: 'demo',
      summary: '',
      usage: '',
      options: { languages: { type: 'string', description: 'languages', deprecatedNames: ['langs'] } },
      examples: [],
      run: async () => 0,
    };
    expect(parseCommandLine(cmd, ['--langs', 'zh,en'])).toEqual({ values: { languages: 'zh,en' }, positionals: [], warnings: ['--langs is deprecated; use --languages'] });
    expect(parseCommandLine(cmd, ['--langs=zh']).values).toEqual({ languages: 'zh' });
    // A value after `=` is never read as a flag.
    expect(parseCommandLine(cmd, ['--languages=--langs'])).toEqual({ values: { languages: '--langs' }, positionals: [], warnings: [] });
    // Through dft eval (scoring predictions needs no model): the folder given under the old name is the one read.
    const gold = join(tmp.dir, 'gold.jsonl');
    writeFileSync(gold, JSON.stringify({ id: 'nope', prediction: 'x' }) + '\n');
    const missing = join(tmp.dir, 'no-eval-data');
    const oldName = await dft('eval', '--tasks', 'xquad:zh', '--predictions', gold, '--data-dir', missing);
    const newName = await dft('eval', '--tasks', 'xquad:zh', '--predictions', gold, '--eval-data-dir', missing);
    const warning = 'dft eval: warning: --data-dir is deprecated; use --eval-data-dir\n';
    expect(oldName.err.startsWith(warning)).toBe(true);
    expect(newName.err).toContain(missing);
    expect(oldName.err.slice(warning.length)).toBe(newName.err);
    expect(oldName.code).toBe(newName.code);
    const help = await dft('eval', '--help');
    expect(help.out).toMatch(/--eval-data-dir <value> +folder with the upstream sets .* \(formerly --data-dir\)/);
  });

  it('--backend choices are the backend registry (native included, the default order)', async () => {
    expect(BACKEND_OPTION.choices).toEqual(BACKEND_ORDER);
    expect(BACKEND_ORDER).toContain('native');
    const r = await dft('train', '--model', 'm', '--data', 'd.arrow', '--out', 'o', '--method', 'sft', '--backend', 'native', '--print-config');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out).backend).toBe('native');
    const bad = await dft('generate', '--model', 'm', '--prompt', 'x', '--backend', 'nativ');
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(new RegExp(`^dft generate: --backend must be one of ${BACKEND_ORDER.join(', ')}, got "nativ" \\(did you mean native\\?\\)`));
    const help = await dft('score', '--help');
    expect(help.out).toContain(`compute backend: ${BACKEND_ORDER.join(' | ')}`);
  });

  it('an empty list flag clears the list the config file set; other empty flags leave the file alone', async () => {
    const file = join(tmp.dir, 'lists.json');
    writeFileSync(file, JSON.stringify({ model: 'm', data: 'd.arrow', out: 'o', method: 'sft', finalEvalTasks: ['xcopa:zh'], evalTasks: ['xnli:zh'], freeze: ['lm_head.*'], lr: 1e-3 }));
    const r = await dft('train', '--config', file, '--final-eval-tasks', '', '--freeze', '', '--lr', '', '--print-config');
    expect(r.code).toBe(0);
    const c = JSON.parse(r.out);
    expect(c.finalEvalTasks).toEqual([]);
    expect(c.freeze).toEqual([]);
    expect(c.evalTasks).toEqual(['xnli:zh']);
    expect(c.lr).toBe(1e-3);
  });
});
