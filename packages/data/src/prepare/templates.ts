/**
 * Prompt templates. A template has two forms, chosen per example exactly as stanford_alpaca does: the
 * with-input form when `input !== ''`, the no-input form otherwise. Placeholders are `{instruction}` and
 * `{input}`; they are substituted by splitting, never by search-and-replace, so a literal `{input}` inside a
 * user's instruction stays text.
 */
export interface PromptTemplate {
  name: string;
  /** Must contain `{instruction}` followed later by `{input}`. */
  withInput: string;
  /** Must contain `{instruction}` and no `{input}`. */
  noInput: string;
}

/** Stanford Alpaca's PROMPT_DICT, character for character (the prompt ends at `### Response:`, no newline). */
export const ALPACA_TEMPLATE: PromptTemplate = {
  name: 'alpaca',
  withInput:
    'Below is an instruction that describes a task, paired with an input that provides further context. ' +
    'Write a response that appropriately completes the request.\n\n' +
    '### Instruction:\n{instruction}\n\n### Input:\n{input}\n\n### Response:',
  noInput:
    'Below is an instruction that describes a task. ' +
    'Write a response that appropriately completes the request.\n\n' +
    '### Instruction:\n{instruction}\n\n### Response:',
};

export const TEMPLATES: Readonly<Record<string, PromptTemplate>> = { alpaca: ALPACA_TEMPLATE };

const INSTRUCTION = '{instruction}';
const INPUT = '{input}';

/** Resolves a template by name (or validates a custom one); throws naming what is wrong. */
export function resolveTemplate(t: string | PromptTemplate = 'alpaca'): PromptTemplate {
  if (typeof t === 'string') {
    const found = TEMPLATES[t];
    if (!found) throw new Error(`template: unknown template "${t}" (known: ${Object.keys(TEMPLATES).join(', ')})`);
    return found;
  }
  const count = (s: string, p: string) => s.split(p).length - 1;
  const where = `template "${t.name}"`;
  if (count(t.withInput, INSTRUCTION) !== 1 || count(t.withInput, INPUT) !== 1)
    throw new Error(`${where}: withInput must contain {instruction} and {input} exactly once each`);
  if (t.withInput.indexOf(INPUT) < t.withInput.indexOf(INSTRUCTION))
    throw new Error(`${where}: withInput must put {input} after {instruction} (the query span is one range)`);
  if (count(t.noInput, INSTRUCTION) !== 1 || count(t.noInput, INPUT) !== 0)
    throw new Error(`${where}: noInput must contain {instruction} exactly once and no {input}`);
  return t;
}

/** A rendered prompt with the character range of the query (instruction through the end of the input). */
export interface RenderedPrompt {
  text: string;
  /** Character offset where the instruction starts. */
  queryStartChar: number;
  /** Character offset just after the input (or the instruction when there is no input). */
  queryEndChar: number;
}

export function renderPrompt(template: PromptTemplate, instruction: string, input: string): RenderedPrompt {
  if (input !== '') {
    const [head, rest] = splitOnce(template.withInput, INSTRUCTION);
    const [middle, tail] = splitOnce(rest, INPUT);
    const queryStartChar = head.length;
    const queryEndChar = queryStartChar + instruction.length + middle.length + input.length;
    return { text: head + instruction + middle + input + tail, queryStartChar, queryEndChar };
  }
  const [head, tail] = splitOnce(template.noInput, INSTRUCTION);
  return { text: head + instruction + tail, queryStartChar: head.length, queryEndChar: head.length + instruction.length };
}

/** The English query as a continuation (docs/design.md, "Batch layout"): instruction, then a blank line and the input if any. */
export function queryText(instruction: string, input: string): string {
  return input !== '' ? `${instruction}\n\n${input}` : instruction;
}

function splitOnce(s: string, sep: string): [string, string] {
  const i = s.indexOf(sep);
  return [s.slice(0, i), s.slice(i + sep.length)];
}
