/**
 * `fmops/evaluation`: model evaluation. Metrics that reproduce their reference implementations
 * exactly (ROUGE as `rouge_score`, METEOR / Porter / word tokenization as NLTK, QA accuracy and
 * factual knowledge as fmeval) plus retrieval and SQL execution accuracy.
 *
 * @packageDocumentation
 */

export {
  type EvalAlgorithm,
  type EvalSample,
  evaluateSamples,
  type SampleScores,
  TargetMissingError,
} from "./algorithm.js";
export { ChatModelRunner, type ChatModelRunnerOptions } from "./chat-runner.js";
export {
  Dataset,
  type DatasetLocations,
  type DatasetOptions,
  type DatasetRecord,
  DatasetRecordError,
  type JsonlSource,
} from "./dataset.js";
export {
  type AlgorithmSummaries,
  type EvaluateOptions,
  type EvaluationProgress,
  type EvaluationRecord,
  type EvaluationResult,
  ModelEvaluator,
  type ModelEvaluatorOptions,
} from "./evaluator.js";
export { FactualKnowledge, type FactualKnowledgeAlgorithmOptions } from "./factual-knowledge.js";
export { compileJmesPath, type JmesPathQuery } from "./jmespath.js";
export * from "./metrics/index.js";
export { PrecomputedRunner, type PrecomputedRunnerOptions } from "./precomputed-runner.js";
export { QAAccuracy, type QAAccuracyOptions } from "./qa-accuracy.js";
export type { RecordSink } from "./record-sink.js";
export type { ModelRunner, RunnerOutput } from "./runner.js";
export { reservoirSample, seededRandom } from "./sampling.js";
export { ScoreAccumulator, type ScoreSummary, ScoreTable, tCritical95 } from "./stats.js";
export {
  SummarizationAccuracy,
  type SummarizationAccuracyOptions,
} from "./summarization-accuracy.js";
