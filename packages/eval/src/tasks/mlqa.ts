import { loadSquad, squadRows } from '../io/squad.js';
import { FOUR_LANGS, genTask } from './define-task.js';
import type { GenExample, QaRecord } from './types.js';
import { QA_TEMPLATE_RECORD, xquadExample } from './xquad.js';

/** MLQA uses the English XQuAD prompt for every language, as the harness does. */
export function mlqaExample(r: QaRecord): GenExample {
  return xquadExample(r, 'en');
}

/** MLQA (lm-evaluation-harness `mlqa_<lang>_<lang>`: context and question in the same language): extractive QA. */
export const mlqa = genTask({
  name: 'mlqa',
  qa: 'mlqa',
  langs: FOUR_LANGS,
  metrics: ['f1', 'em'],
  candidates: (l) => [`test-context-${l}-question-${l}.json`, `dev-context-${l}-question-${l}.json`],
  load: async (p) => (await loadSquad(p, 'MLQA')).map(mlqaExample),
  fromRows: (rows) => squadRows(rows).map(mlqaExample),
  template: () => mlqaExample(QA_TEMPLATE_RECORD),
  hub: { path: () => 'facebook/mlqa', config: (l) => `mlqa.${l}.${l}`, splits: ['test', 'validation'] },
  harness: { name: (l) => `mlqa_${l}_${l}`, version: () => 0.1 },
});
