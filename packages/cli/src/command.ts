import { parseArgs } from 'node:util';
import { BACKEND_ORDER } from '@dft/core';
import { didYouMean } from './did-you-mean.js';

/** A wrong command line: printed with the command's usage, exit code 2. */
export class UsageError extends Error {}

export interface OptionSpec {
  type: 'string' | 'boolean';
  description: string;
  /** Repeatable string option (collected into an array). */
  multiple?: boolean;
  short?: string;
  /** The values it accepts (anything else is a usage error with a did-you-mean). */
  choices?: readonly string[];
  /** Earlier names of this option: still accepted, with a deprecation warning. */
  deprecatedNames?: string[];
}

/** One `dft` sub-command: its help text and how it runs. Returns the process exit code. */
export interface Command {
  name: string;
  summary: string;
  usage: string;
  options: Record<string, OptionSpec>;
  examples: string[];
  /** Where an unknown flag is a known name from elsewhere (e.g. HF's `--learning_rate`): what to use instead. */
  unknownFlagHint?(name: string): string | undefined;
  /** What the command does with inputs longer than the model's context (or the data's max length): shown in --help. */
  longInputs?: string;
  run(values: Record<string, unknown>, positionals: string[]): Promise<number>;
}

type OptionExtras = Pick<OptionSpec, 'multiple' | 'choices' | 'deprecatedNames'>;

/** `--name <value>`: a string option (repeatable with `multiple`). */
export function valueOption(description: string, extras: OptionExtras = {}): OptionSpec {
  return { type: 'string', description, ...extras };
}

/** `--name`: a boolean switch. */
export function switchOption(description: string): OptionSpec {
  return { type: 'boolean', description };
}

/** `--languages`, in every command that picks languages (formerly `--langs` everywhere). */
export const languagesOption = (description: string): OptionSpec => valueOption(description, { deprecatedNames: ['langs'] });

/** `--micro-batch`, in every command that batches forward passes (formerly `--batch-size` everywhere). */
export const microBatchOption = (description: string): OptionSpec => valueOption(description, { deprecatedNames: ['batch-size'] });

/** Shared by every command that loads a model; the choices are the backend registry's, in its default order. */
export const BACKEND_OPTION: OptionSpec = {
  type: 'string',
  description: `compute backend: ${BACKEND_ORDER.join(' | ')} (default: the first available in this order, tensorflow only in its GPU build; env DFT_BACKEND)`,
  choices: BACKEND_ORDER,
};

const HELP_OPTION: OptionSpec = { type: 'boolean', description: 'show this help', short: 'h' };

function allOptions(cmd: Command): Record<string, OptionSpec> {
  return { ...cmd.options, help: HELP_OPTION };
}

export function helpText(cmd: Command): string {
  const opts = Object.entries(allOptions(cmd));
  const flag = (n: string, o: OptionSpec) => `${o.short ? `-${o.short}, ` : ''}--${n}${o.type === 'string' ? ' <value>' : ''}`;
  const width = Math.max(...opts.map(([n, o]) => flag(n, o).length));
  const lines = opts.map(([n, o]) => {
    const old = o.deprecatedNames?.length ? ` (formerly ${o.deprecatedNames.map((d) => `--${d}`).join(', ')})` : '';
    return `  ${flag(n, o).padEnd(width)}   ${o.description}${old}`;
  });
  const long = cmd.longInputs ? ['', `long inputs: ${cmd.longInputs}`] : [];
  return [`dft ${cmd.name}: ${cmd.summary}`, '', `usage: ${cmd.usage}`, '', 'options:', ...lines, ...long, '', 'examples:', ...cmd.examples.map((e) => `  ${e}`), ''].join('\n');
}

export interface ParsedCommandLine {
  values: Record<string, unknown>;
  positionals: string[];
  /** Deprecated flag names that were used (the command still ran with the new name). */
  warnings: string[];
}

/**
 * Parses `argv` against the command's options. Strict: an unknown flag is a usage error naming the closest known
 * one; a deprecated name is rewritten to the current one with a warning; a value outside `choices` is an error.
 */
export function parseCommandLine(cmd: Command, argv: string[]): ParsedCommandLine {
  const specs = allOptions(cmd);
  const renamed = new Map<string, string>();
  for (const [n, o] of Object.entries(specs)) for (const old of o.deprecatedNames ?? []) renamed.set(old, n);
  const warnings: string[] = [];
  const args: string[] = [];
  let takesValue = false;
  let rest = false;
  for (const arg of argv) {
    const flag: RegExpExecArray | null = !takesValue && !rest ? /^--([^=]+)(=[\s\S]*)?$/.exec(arg) : null;
    takesValue = false;
    if (arg === '--') rest = true;
    if (!flag) {
      args.push(arg);
      continue;
    }
    const given: string = flag[1];
    const inline: string | undefined = flag[2];
    const name: string = renamed.get(given) ?? given;
    if (name !== given) warnings.push(`--${given} is deprecated; use --${name}`);
    if (!Object.hasOwn(specs, name)) {
      const hint = cmd.unknownFlagHint?.(given);
      throw new UsageError(`Unknown option '--${given}'${hint ? ` (${hint})` : didYouMean(given, Object.keys(specs), (c) => `--${c}`)}`);
    }
    takesValue = specs[name].type === 'string' && inline === undefined;
    args.push(`--${name}${inline ?? ''}`);
  }
  const options = Object.fromEntries(
    Object.entries(specs).map(([n, o]) => [n, { type: o.type, ...(o.multiple ? { multiple: true } : {}), ...(o.short ? { short: o.short } : {}) }]),
  );
  let parsed;
  try {
    parsed = parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (e) {
    throw new UsageError((e as Error).message.replace(/^TypeError \[[A-Z_]+\]: /, ''));
  }
  for (const [n, o] of Object.entries(specs)) {
    const v = parsed.values[n];
    if (!o.choices || v === undefined || v === '') continue;
    for (const x of Array.isArray(v) ? v : [v]) {
      if (!o.choices.includes(x as string)) throw new UsageError(`--${n} must be one of ${o.choices.join(', ')}, got "${x}"${didYouMean(String(x), o.choices)}`);
    }
  }
  return { values: parsed.values, positionals: parsed.positionals, warnings };
}

export function stringOpt(values: Record<string, unknown>, name: string, required: true): string;
export function stringOpt(values: Record<string, unknown>, name: string, required?: false): string | undefined;
export function stringOpt(values: Record<string, unknown>, name: string, required = false): string | undefined {
  const v = values[name];
  if (v === undefined || v === '') {
    if (required) throw new UsageError(`--${name} is required`);
    return undefined;
  }
  return String(v);
}

/** The range a numeric flag accepts: `integer`, bounds `min` ≤ n ≤ `max`, and `above` < n. */
export interface NumberRange {
  integer?: boolean;
  min?: number;
  max?: number;
  above?: number;
}

function rangeText(r: NumberRange): string {
  const bounds = [r.above !== undefined ? `> ${r.above}` : '', r.min !== undefined ? `≥ ${r.min}` : '', r.max !== undefined ? `≤ ${r.max}` : ''].filter(Boolean);
  return `${r.integer ? 'an integer' : 'a number'}${bounds.length ? ` ${bounds.join(' and ')}` : ''}`;
}

export function numberOpt(values: Record<string, unknown>, name: string, range: NumberRange = {}): number | undefined {
  const v = stringOpt(values, name);
  if (v === undefined) return undefined;
  const n = Number(v);
  const ok =
    Number.isFinite(n) &&
    (!range.integer || Number.isInteger(n)) &&
    (range.min === undefined || n >= range.min) &&
    (range.max === undefined || n <= range.max) &&
    (range.above === undefined || n > range.above);
  if (!ok) throw new UsageError(`--${name} must be ${rangeText(range)}, got "${v}"`);
  return n;
}
