import { describe, expect, it } from 'vitest';
import { ALPACA_TEMPLATE, queryText, renderPrompt, resolveTemplate } from './templates.js';

describe('Alpaca templates', () => {
  it.each([
    {
      form: 'the with-input form, character for character',
      instruction: 'Translate.',
      input: 'Hello',
      text:
        'Below is an instruction that describes a task, paired with an input that provides further context. ' +
        'Write a response that appropriately completes the request.\n\n### Instruction:\nTranslate.\n\n### Input:\nHello\n\n### Response:',
      query: 'Translate.\n\n### Input:\nHello',
    },
    {
      form: 'the no-input form when input is the empty string, as stanford_alpaca does',
      instruction: 'Say hi.',
      input: '',
      text:
        'Below is an instruction that describes a task. Write a response that appropriately completes the request.\n\n' +
        '### Instruction:\nSay hi.\n\n### Response:',
      query: 'Say hi.',
    },
  ])('renders $form', ({ instruction, input, text, query }) => {
    const r = renderPrompt(ALPACA_TEMPLATE, instruction, input);
    expect(r.text).toBe(text);
    expect(r.text.slice(r.queryStartChar, r.queryEndChar)).toBe(query);
  });

  it('uses the with-input form for whitespace-only input (stanford tests `input != ""`)', () => {
    expect(renderPrompt(ALPACA_TEMPLATE, 'x', ' ').text).toContain('### Input:\n \n\n### Response:');
  });

  it('keeps placeholder-looking text in the data literally', () => {
    const r = renderPrompt(ALPACA_TEMPLATE, 'Fill {input} here', '{instruction}');
    expect(r.text).toContain('### Instruction:\nFill {input} here\n\n### Input:\n{instruction}\n\n');
  });

  it('builds q_en as instruction + blank line + input', () => {
    expect(queryText('Sort these.', '3, 1, 2')).toBe('Sort these.\n\n3, 1, 2');
    expect(queryText('Sort these.', '')).toBe('Sort these.');
  });

  it('resolves by name and rejects unknown names and malformed custom templates', () => {
    expect(resolveTemplate('alpaca')).toBe(ALPACA_TEMPLATE);
    expect(() => resolveTemplate('vicuna')).toThrow(/unknown template "vicuna" \(known: alpaca\)/);
    expect(() => resolveTemplate({ name: 'a', withInput: '{input} {instruction}', noInput: '{instruction}' })).toThrow(
      /must put \{input\} after \{instruction\}/,
    );
    expect(() => resolveTemplate({ name: 'b', withInput: '{instruction}', noInput: '{instruction}' })).toThrow(/withInput must contain/);
    expect(() => resolveTemplate({ name: 'c', withInput: '{instruction}{input}', noInput: '{instruction}{input}' })).toThrow(
      /noInput must contain \{instruction\} exactly once and no \{input\}/,
    );
    const custom = { name: 'plain', withInput: 'Q: {instruction}\n{input}\nA:', noInput: 'Q: {instruction}\nA:' };
    const r = renderPrompt(resolveTemplate(custom), 'why', 'because');
    expect([r.text, r.queryStartChar, r.queryEndChar]).toEqual(['Q: why\nbecause\nA:', 3, 14]);
  });
});
