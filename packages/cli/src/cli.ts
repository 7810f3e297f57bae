import { evalCommand } from './commands/eval.js';
import { generateCommand } from './commands/generate.js';
import { layersCommand } from './commands/layers.js';
import { prepareCommand } from './commands/prepare.js';
import { scoreCommand } from './commands/score.js';
import { trainCommand } from './commands/train.js';
import { planCommand } from './commands/plan.js';
import { createRequire } from 'node:module';
import { helpText, parseCommandLine, UsageError, type Command } from './command.js';
import { didYouMean } from './did-you-mean.js';
import { plainErrorMessage } from './out-dir/os-errors.js';

export const COMMANDS: Command[] = [prepareCommand, trainCommand, planCommand, evalCommand, layersCommand, generateCommand, scoreCommand];

function overview(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    'dft: Deep Supervision Fine-Tuning of multilingual LLMs in TypeScript',
    '',
    'usage: dft <command> [options]    (dft help <command> or dft <command> --help: its options and examples)',
    '       dft --version',
    '',
    'commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
  ].join('\n');
}

/** The version of this package (@dft/cli), read from its package.json (one level above src/ and dist/). */
export function cliVersion(): string {
  return (createRequire(import.meta.url)('../package.json') as { version: string }).version;
}

function unknownCommand(name: string): number {
  process.stderr.write(`dft: unknown command "${name}"${didYouMean(name, COMMANDS.map((c) => c.name))}\n\n${overview()}`);
  return 2;
}

/** Runs one command line; returns the exit code (0 ok, 1 failure, 2 usage error). Never throws. */
export async function runCli(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === '--version') {
    process.stdout.write(`dft ${cliVersion()}\n`);
    return 0;
  }
  if (name === 'help' && rest.length > 0) {
    const topic = COMMANDS.find((c) => c.name === rest[0]);
    if (!topic) return unknownCommand(rest[0]);
    process.stdout.write(helpText(topic));
    return 0;
  }
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(overview());
    return name ? 0 : 2;
  }
  const cmd = COMMANDS.find((c) => c.name === name);
  if (!cmd) return unknownCommand(name);
  try {
    const { values, positionals, warnings } = parseCommandLine(cmd, rest);
    for (const w of warnings) process.stderr.write(`dft ${cmd.name}: warning: ${w}\n`);
    if (values.help) {
      process.stdout.write(helpText(cmd));
      return 0;
    }
    if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`);
    return await cmd.run(values, positionals);
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`dft ${cmd.name}: ${e.message}\n(see dft ${cmd.name} --help)\n`);
      return 2;
    }
    process.stderr.write(`dft ${cmd.name}: error: ${plainErrorMessage(e)}\n`);
    if (process.env.DFT_DEBUG) process.stderr.write(`${(e as Error).stack}\n`);
    return 1;
  }
}
