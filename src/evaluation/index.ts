/**
 * `fmops/evaluation`: model evaluation. Metrics that reproduce their reference implementations
 * exactly (ROUGE as `rouge_score`, METEOR / Porter / word tokenization as NLTK, QA accuracy and
 * factual knowledge as fmeval) plus retrieval and SQL execution accuracy.
 *
 * @packageDocumentation
 */

export {
  type EvalAlgorithm,
  EvalAlgorithmBase,
  type EvalSample,
  type SampleScores,
  TargetMissingError,
} from "./algorithms/algorithm.js";
export {
  FactualKnowledge,
  type FactualKnowledgeAlgorithmOptions,
} from "./algorithms/factual-knowledge.js";
export { LlmJudge, type LlmJudgeOptions } from "./algorithms/llm-judge.js";
export { QaAccuracy, type QaAccuracyOptions } from "./algorithms/qa-accuracy.js";
export {
  RetrievalAccuracy,
  type RetrievalAccuracyOptions,
} from "./algorithms/retrieval-accuracy.js";
export {
  SqlAccuracy,
  type SqlAccuracyOptions,
  SqlReferenceError,
} from "./algorithms/sql-accuracy.js";
export {
  ScoreAccumulator,
  type ScoreSummary,
  ScoreTable,
} from "./algorithms/stats.js";
export {
  SummarizationAccuracy,
  type SummarizationAccuracyOptions,
} from "./algorithms/summarization-accuracy.js";
export { Toxicity, type ToxicityOptions } from "./algorithms/toxicity.js";
export {
  type ComparisonCandidate,
  type ComparisonResult,
  compareCandidates,
  promptCandidate,
} from "./compare/compare.js";
export {
  type PairableRecord,
  type PairedDifference,
  PairingMismatchError,
  pairedDifferences,
} from "./compare/paired.js";
export {
  Dataset,
  type DatasetOptions,
  type DatasetRecord,
  DatasetRecordError,
} from "./datasets/dataset.js";
export {
  EvaluationFailedError,
  type EvaluationProgress,
  type EvaluationRecord,
  type EvaluationResult,
  ModelEvaluator,
  type ModelEvaluatorOptions,
} from "./evaluator/evaluator.js";
export { repairRecordsFile } from "./evaluator/resume.js";
export {
  evaluateText2Sql,
  parseText2SqlEvalJsonl,
  type Text2SqlEvalItem,
  type Text2SqlEvalReport,
} from "./evaluator/text2sql-eval.js";
export { checkGates, type Gate, type GateReport, parseGate } from "./gates/gates.js";
export { gateReportJunit } from "./gates/junit.js";
export { promoteIfPassed } from "./gates/promote.js";
export { BertScorer, type BertScorerOptions } from "./metrics/bertscore.js";
export { meteorScore, meteorScoreDetails } from "./metrics/meteor.js";
export { PunktSentenceTokenizer } from "./metrics/punkt.js";
export { getDefaultPunkt, loadPunkt } from "./metrics/punkt-data.js";
export { factualKnowledgeScores, type QaScores, qaScores } from "./metrics/qa.js";
export { retrievalScores } from "./metrics/retrieval.js";
export { type RougeScores, rougeScores } from "./metrics/rouge.js";
export { sqlExecutionMatch } from "./metrics/sql.js";
export { loadWordNet } from "./metrics/wordnet.js";
export {
  type EvaluationSummary,
  evaluationSummary,
  type ModelSummary,
} from "./report/report.js";
export { renderComparisonHtml, renderEvaluationHtml } from "./report/report-html.js";
export {
  BatchJobFailedError,
  BatchResultsRunner,
  BedrockBatchJob,
} from "./runners/bedrock-batch-job.js";
export {
  BedrockBatchRunner,
  type BedrockBatchRunnerOptions,
} from "./runners/bedrock-batch-runner.js";
export { BedrockModelRunner, type BedrockModelRunnerOptions } from "./runners/bedrock-runner.js";
export { ChatModelRunner, type ChatModelRunnerOptions } from "./runners/chat-runner.js";
export type { JsonValue } from "./runners/content-template.js";
export { PrecomputedRunner, type PrecomputedRunnerOptions } from "./runners/precomputed-runner.js";
export type { ModelRunner, RunnerOutput } from "./runners/runner.js";
export {
  SageMakerModelRunner,
  type SageMakerModelRunnerOptions,
} from "./runners/sagemaker-runner.js";
export { FileTracker, type FileTrackerOptions } from "./tracking/file-tracker.js";
export { MlflowClient, type MlflowClientOptions, MlflowError } from "./tracking/mlflow-client.js";
export { MlflowTracker, type MlflowTrackerOptions } from "./tracking/mlflow-tracker.js";
export {
  type EvaluationTracker,
  evaluationMetrics,
  type TrackEvaluationOptions,
  type TrackedRun,
  type TrackingParamValue,
} from "./tracking/tracking.js";
