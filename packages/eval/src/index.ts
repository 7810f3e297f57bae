export { scoreQa } from './metrics/qa-score.js';
export type { QaScore, QaTask, ScoreQaInput } from './metrics/qa-score.js';
export { normalizeSquad, mlqaNormalizer, mkqaNormalizer } from './metrics/normalize.js';
export { mean, stderrOfMean } from './metrics/stats.js';
export { accuracy, accuracyNorm, argmax, mc2 } from './metrics/multiple-choice.js';

export { TASKS, TASK_NAMES, getTask } from './tasks/registry.js';
export type { MetricName, TaskDef, McTask, GenTask, McExample, GenExample, QaRecord } from './tasks/types.js';
export { parseTaskSpecs } from './tasks/task-spec.js';
export type { TaskRef } from './tasks/task-spec.js';
export { loadTask } from './tasks/load-task.js';
export type { LoadedTask, TaskDataOptions } from './tasks/load-task.js';
export { defaultDataDir, resolveTaskFile } from './tasks/resolve-path.js';
export { sampleExamples, limitCount } from './tasks/sample.js';
export type { SampleOptions } from './tasks/sample.js';

export { loadXnli } from './tasks/xnli.js';
export type { NliLabel, NliRecord } from './tasks/xnli.js';
export { loadXcopa } from './tasks/xcopa.js';
export type { CopaRecord } from './tasks/xcopa.js';
export { loadXStoryCloze } from './tasks/xstorycloze.js';
export type { StoryRecord } from './tasks/xstorycloze.js';
export { loadMmlu } from './tasks/mmlu.js';
export type { MmluRecord } from './tasks/mmlu.js';
export { loadTruthfulQa, TRUTHFULQA_PRIMER } from './tasks/truthfulqa.js';
export type { Targets, TruthfulRecord } from './tasks/truthfulqa.js';
export { loadSquad } from './io/squad.js';
export { loadMkqa } from './tasks/mkqa.js';
export type { TableRows } from './io/record-rows.js';

export { toRows } from './results/rows.js';
export type { ResultRow, PerExample } from './results/rows.js';
export { resultsMarkdown } from './results/markdown.js';
export { writeResults, mergeRows, resultFileNames, predictionsFileName, fileTimestamp } from './results/write.js';
export type { WriteResultsOptions, WrittenResults } from './results/write.js';
export { harnessResults } from './results/harness-results.js';
export type { HarnessRunInfo } from './results/harness-results.js';
export { sampleLines } from './results/samples.js';
export { harnessTaskName, fromHarnessName } from './tasks/harness-names.js';
export { promptTemplate } from './tasks/prompt-template.js';
export type { PromptTemplate } from './tasks/prompt-template.js';

export { scorePredictionsFile, readPredictionsFile } from './score-predictions.js';
export type { ScorePredictionsOptions } from './score-predictions.js';

export { evaluate } from './evaluate.js';
export type { EvaluateOptions, EvaluateResult, EvalProgress, ExamplePrediction, TaskRun } from './evaluate.js';
export { loglikelihoods } from './scoring/loglikelihood.js';
export type { LoglikelihoodOptions } from './scoring/loglikelihood.js';
export { tokenizeMc } from './scoring/tokenize-mc.js';
export type { McRequest } from './scoring/tokenize-mc.js';
export { truncateRequests } from './scoring/truncate.js';
export { greedyAnswers } from './scoring/greedy-answers.js';
export type { GreedyOptions, GreedyResult } from './scoring/greedy-answers.js';
export type { McPrediction } from './scoring/mc-metrics.js';
export type { QaPrediction } from './scoring/qa-metrics.js';
export * from './layers/index.js';
