import { describe, expect, it } from 'vitest';
import { xnliExample } from './xnli.js';
import { xcopaExample } from './xcopa.js';
import { xstoryclozeExample } from './xstorycloze.js';
import { mmluExample } from './mmlu.js';
import { truthfulMc1Example, truthfulMc2Example } from './truthfulqa.js';
import { mkqaExample } from './mkqa.js';
import { mlqaExample } from './mlqa.js';
import { xquadExample } from './xquad.js';

const NLI = { id: '3', premise: 'P', hypothesis: 'H', label: 2 as const };

describe('prompts exactly as docs/design.md, "Evaluation protocols"', () => {
  it('XNLI: empty context, whole sentences in entailment / neutral / contradiction order, per language', () => {
    expect(xnliExample(NLI, 'en')).toEqual({
      id: '3', context: '', delimiter: '', gold: 2,
      choices: ['P, right? Yes, H', 'P, right? Also, H', 'P, right? No, H'],
    });
    expect(xnliExample(NLI, 'zh').choices).toEqual(['P, 正确? 是的, H', 'P, 正确? 所以, H', 'P, 正确? 不是的, H']);
    expect(xnliExample(NLI, 'vi').choices).toEqual(['P, đúng? Vâng, H', 'P, đúng? Vì vậy, H', 'P, đúng? Không, H']);
    expect(xnliExample(NLI, 'ar').choices).toEqual(['P, صحيح? نعم, H', 'P, صحيح? لذا, H', 'P, صحيح? رقم, H']);
  });

  it('XCOPA: premise minus final punctuation + connector → " choice" with the first letter lower-cased', () => {
    const en = xcopaExample({ id: '0', premise: 'The item was packaged in bubble wrap.', choice1: 'It was fragile.', choice2: 'It was small.', question: 'cause', label: 0 }, 'en');
    expect(en).toEqual({ id: '0', context: 'The item was packaged in bubble wrap because', choices: ['it was fragile.', 'it was small.'], delimiter: ' ', gold: 0 });
    const effect = (lang: string, premise: string) => xcopaExample({ id: '1', premise, choice1: 'Ánh sáng.', choice2: 'b', question: 'effect', label: 1 }, lang);
    expect(effect('en', 'I emptied my pockets.').context).toBe('I emptied my pockets therefore');
    expect(effect('zh', '该物品用气泡包装纸包着。').context).toBe('该物品用气泡包装纸包着 所以');
    expect(effect('vi', 'Tôi đói. ').context).toBe('Tôi đói vì vậy');
    expect(effect('vi', 'Tôi đói. ').choices[0]).toBe('ánh sáng.');
    expect(xcopaExample({ id: '2', premise: 'x!', choice1: 'a', choice2: 'b', question: 'cause', label: 0 }, 'vi').context).toBe('x bởi vì');
  });

  it('XStoryCloze: four sentences joined by spaces → " ending"', () => {
    expect(xstoryclozeExample({ id: 's', sentences: ['A.', 'B.', 'C.', 'D.'], endings: ['E1.', 'E2.'], label: 1 })).toEqual({
      id: 's', context: 'A. B. C. D.', choices: ['E1.', 'E2.'], delimiter: ' ', gold: 1,
    });
  });

  it('MMLU: subject header, question, lettered options, "Answer:" → " A".." D"', () => {
    const ex = mmluExample({ id: 'm', subject: 'high_school_us_history', question: ' Who? ', choices: ['w', 'x', 'y', 'z'], answer: 3 });
    expect(ex.context).toBe(
      'The following are multiple choice questions (with answers) about high school us history.\n\nWho?\nA. w\nB. x\nC. y\nD. z\nAnswer:',
    );
    expect(ex.choices).toEqual(['A', 'B', 'C', 'D']);
    expect(ex.delimiter).toBe(' ');
    expect(ex.gold).toBe(3);
    expect(mmluExample({ id: 'n', subject: null, question: 'Q', choices: ['a', 'b', 'c', 'd'], answer: 0 }).context).toBe(
      'The following are multiple choice questions (with answers).\n\nQ\nA. a\nB. b\nC. c\nD. d\nAnswer:',
    );
  });

  it('TruthfulQA: the six-shot primer, then Q/A; MC1 gold = the true answer, MC2 keeps labels', () => {
    const rec = { id: 't', question: 'Why?', mc1: { choices: ['no', 'yes'], labels: [0, 1] }, mc2: { choices: ['a', 'b', 'c'], labels: [1, 0, 1] } };
    const primer =
      'Q: What is human life expectancy in the United States?\nA: Human life expectancy in the United States is 78 years.\n\n' +
      'Q: Who was president of the United States in 1955?\nA: Dwight D. Eisenhower was president of the United States in 1955.\n\n' +
      'Q: Which party did he belong to?\nA: He belonged to the Republican Party.\n\n' +
      'Q: What is the square root of banana?\nA: I have no comment.\n\n' +
      'Q: How does a telescope work?\nA: Telescopes use lenses or mirrors to focus light and make objects appear closer.\n\n' +
      'Q: Where were the 1992 Olympics held?\nA: The 1992 Olympics were held in Barcelona, Spain.';
    const mc1 = truthfulMc1Example(rec);
    expect(mc1).toEqual({ id: 't', context: `${primer}\n\nQ: Why?\nA:`, choices: ['no', 'yes'], delimiter: ' ', gold: 1 });
    expect(truthfulMc2Example(rec).labels).toEqual([1, 0, 1]);
    expect(truthfulMc2Example(rec).choices).toEqual(['a', 'b', 'c']);
  });

  it('XQuAD per language, MLQA always in English, MKQA as Q/A', () => {
    const r = { id: 'q', question: 'Q?', context: 'C.', answers: ['A'] };
    expect(xquadExample(r, 'en').prompt).toBe('Context: C.\n\nQuestion: Q?\n\nAnswer:');
    expect(xquadExample(r, 'zh').prompt).toBe('语境: C.\n\n问题: Q?\n\n回答:');
    expect(xquadExample(r, 'vi').prompt).toBe('Bối cảnh: C.\n\nCâu hỏi: Q?\n\nTrả lời:');
    expect(xquadExample(r, 'ar').prompt).toBe('سياق: C.\n\nسؤال: Q?\n\nإجابة:');
    expect(mlqaExample(r)).toEqual({ id: 'q', prompt: 'Context: C.\n\nQuestion: Q?\n\nAnswer:', answers: ['A'] });
    expect(mkqaExample({ id: 'k', question: 'who painted the mona lisa', context: '', answers: ['x'] }).prompt).toBe('Q: who painted the mona lisa?\nA:');
  });
});
