import { describe, expect, it } from 'vitest';
import { COMMANDS } from './cli.js';
import { dft } from './test-utils/cli-harness.js';

describe('dft (command dispatch and help)', () => {
  it('--help lists every command with its summary; no command at all is a usage error', async () => {
    const r = await dft('--help');
    expect(r.code).toBe(0);
    for (const c of COMMANDS) expect(r.out).toMatch(new RegExp(`\\n  ${c.name} +${c.summary.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\n`));
    const none = await dft();
    expect(none.code).toBe(2);
    expect(none.out).toContain('usage: dft <command> [options]');
  });

  it.each(COMMANDS.map((c) => [c.name, c] as const))('dft %s --help shows its usage, every option and every example', async (name, cmd) => {
    expect(cmd.examples.length).toBeGreaterThan(0);
    const r = await dft(name, '--help');
    expect(r.code).toBe(0);
    expect(r.err).toBe('');
    expect(r.out).toContain(`usage: ${cmd.usage}`);
    for (const [opt, spec] of Object.entries(cmd.options)) {
      expect(r.out).toContain(`--${opt}${spec.type === 'string' ? ' <value>' : ''}`);
      expect(r.out).toContain(spec.description);
    }
    const examples = r.out.slice(r.out.indexOf('examples:\n'));
    for (const e of cmd.examples) expect(examples).toContain(`  ${e}\n`);
    // Examples name the command they illustrate (after a launcher such as mpirun, for dft train).
    for (const e of cmd.examples) expect(e).toMatch(new RegExp(`^(mpirun .+ |srun .+ )?dft ${name} `));
  });

  it('an unknown command exits 2 with the overview on stderr', async () => {
    const r = await dft('frobnicate', '--model', 'x');
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    expect(r.err).toMatch(/^dft: unknown command "frobnicate"\n/);
    expect(r.err).toContain('commands:');
  });

  it.each(COMMANDS.map((c) => [c.name] as const))('dft %s with an unknown flag or a stray argument exits 2', async (name) => {
    const flag = await dft(name, '--no-such-flag', '1');
    expect(flag.code).toBe(2);
    expect(flag.out).toBe('');
    expect(flag.err).toMatch(new RegExp(`^dft ${name}: Unknown option '--no-such-flag'`));
    expect(flag.err).toContain(`(see dft ${name} --help)`);
    const stray = await dft(name, 'stray');
    expect(stray.code).toBe(2);
    expect(stray.err).toMatch(new RegExp(`^dft ${name}: unexpected argument "stray"`));
  });
});
