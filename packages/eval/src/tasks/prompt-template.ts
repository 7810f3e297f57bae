import { mmluExample } from '../prompts/mmlu.js';
import { mkqaExample, mlqaExample, xquadExample } from '../prompts/qa.js';
import { truthfulMc1Example, truthfulMc2Example } from '../prompts/truthfulqa.js';
import type { GenExample, McExample } from '../prompts/types.js';
import { XCOPA_CONNECTORS, xcopaExample } from '../prompts/xcopa.js';
import { xnliExample } from '../prompts/xnli.js';
import { xstoryclozeExample } from '../prompts/xstorycloze.js';

/** A task's prompt in the harness's config terms, with `{{field}}` where a record's field goes. */
export interface PromptTemplate {
  output_type: 'multiple_choice' | 'generate_until';
  doc_to_text: string;
  /** The choices' texts (one entry naming a list field where the choices are the record's own list). */
  doc_to_choice?: string[];
  target_delimiter: string;
}

const placeholder = (field: string) => `{{${field}}}`;
const targets = (key: string) => ({ choices: [placeholder(`${key}.choices`)], labels: [1] });

/** The example our prompt builder makes of a record whose fields are placeholders. */
function templateExample(task: string, lang: string): McExample | GenExample {
  const qa = { id: '', question: placeholder('question'), context: placeholder('context'), answers: [] };
  switch (task) {
    case 'xnli':
      return xnliExample({ id: '', premise: placeholder('premise'), hypothesis: placeholder('hypothesis'), label: 0 }, lang);
    case 'xcopa': {
      // The builder drops the premise's final punctuation mark: give it one to drop.
      const ex = xcopaExample({ id: '', premise: `${placeholder('premise')}.`, choice1: placeholder('choice1'), choice2: placeholder('choice2'), question: 'cause', label: 0 }, lang);
      const { cause, effect } = XCOPA_CONNECTORS[lang];
      return { ...ex, context: ex.context.replace(new RegExp(` ${cause}$`), ` {{"${cause}" if question == "cause" else "${effect}"}}`) };
    }
    case 'xstorycloze':
      return xstoryclozeExample({
        id: '',
        sentences: [1, 2, 3, 4].map((i) => placeholder(`input_sentence_${i}`)) as [string, string, string, string],
        endings: [placeholder('sentence_quiz1'), placeholder('sentence_quiz2')],
        label: 0,
      });
    case 'mmlu':
      return mmluExample({ id: '', subject: placeholder('subject'), question: placeholder('question'), choices: [0, 1, 2, 3].map((i) => placeholder(`choices[${i}]`)), answer: 0 });
    case 'truthfulqa_mc1':
      return truthfulMc1Example({ id: '', question: placeholder('question'), mc1: targets('mc1_targets'), mc2: targets('mc2_targets') });
    case 'truthfulqa_mc2':
      return truthfulMc2Example({ id: '', question: placeholder('question'), mc1: targets('mc1_targets'), mc2: targets('mc2_targets') });
    case 'xquad':
      return xquadExample(qa, lang);
    case 'mlqa':
      return mlqaExample(qa);
    case 'mkqa':
      return mkqaExample(qa);
    default:
      throw new Error(`eval: no prompt template for task "${task}"`);
  }
}

/**
 * The prompt a task uses in a language, rendered by the task's own prompt builder from placeholders (so the
 * template written into results files cannot drift from the prompt the model saw).
 */
export function promptTemplate(task: string, lang: string): PromptTemplate {
  const ex = templateExample(task, lang);
  if ('prompt' in ex) return { output_type: 'generate_until', doc_to_text: ex.prompt, target_delimiter: ' ' };
  return { output_type: 'multiple_choice', doc_to_text: ex.context, doc_to_choice: ex.choices, target_delimiter: ex.delimiter };
}
