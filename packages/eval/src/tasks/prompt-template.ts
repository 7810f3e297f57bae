import { getTask } from './registry.js';

/** A task's prompt in the harness's config terms, with `{{field}}` where a record's field goes. */
export interface PromptTemplate {
  output_type: 'multiple_choice' | 'generate_until';
  doc_to_text: string;
  /** The choices' texts (one entry naming a list field where the choices are the record's own list). */
  doc_to_choice?: string[];
  target_delimiter: string;
}

/**
 * The prompt a task uses in a language, rendered by the task's own prompt builder from placeholders (so the
 * template written into results files cannot drift from the prompt the model saw).
 */
export function promptTemplate(task: string, lang: string): PromptTemplate {
  const def = getTask(task);
  if (def.kind === 'gen') return { output_type: 'generate_until', doc_to_text: def.template(lang).prompt, target_delimiter: ' ' };
  const ex = def.template(lang);
  return { output_type: 'multiple_choice', doc_to_text: ex.context, doc_to_choice: ex.choices, target_delimiter: ex.delimiter };
}
