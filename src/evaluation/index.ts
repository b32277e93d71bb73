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
} from "./algorithm.js";
export {
  BatchJobFailedError,
  BatchResultsRunner,
  type BatchWaitOptions,
  BedrockBatchJob,
} from "./bedrock-batch-job.js";
export {
  type BatchSubmitOptions,
  BedrockBatchRunner,
  type BedrockBatchRunnerOptions,
  DEFAULT_BATCH_MAX_INPUT_BYTES,
  DEFAULT_BATCH_MAX_RECORDS,
  DEFAULT_BATCH_MIN_RECORDS,
} from "./bedrock-batch-runner.js";
export { BedrockModelRunner, type BedrockModelRunnerOptions } from "./bedrock-runner.js";
export { ChatModelRunner, type ChatModelRunnerOptions } from "./chat-runner.js";
export {
  type CompareCandidatesOptions,
  type ComparisonCandidate,
  type ComparisonResult,
  compareCandidates,
  type PromptCandidateOptions,
  promptCandidate,
} from "./compare.js";
export type { JsonValue } from "./content-template.js";
export {
  Dataset,
  type DatasetOptions,
  type DatasetRecord,
  DatasetRecordError,
  type JsonlSource,
} from "./dataset.js";
export {
  type EvaluateOptions,
  EvaluationFailedError,
  type EvaluationProgress,
  type EvaluationRecord,
  type EvaluationResult,
  ModelEvaluator,
  type ModelEvaluatorOptions,
} from "./evaluator.js";
export { FactualKnowledge, type FactualKnowledgeAlgorithmOptions } from "./factual-knowledge.js";
export { FileTracker, type FileTrackerOptions } from "./file-tracker.js";
export {
  type CheckGatesOptions,
  checkGates,
  type Gate,
  type GateReport,
  parseGate,
} from "./gates.js";
export { type GateJunitOptions, gateReportJunit } from "./junit.js";
export { LlmJudge, type LlmJudgeOptions } from "./llm-judge.js";
export { BertScorer, type BertScorerOptions, FMEVAL_BERTSCORE_MODEL } from "./metrics/bertscore.js";
export {
  type MeteorOptions,
  meteorScore,
  meteorScoreDetails,
  meteorScoreTokens,
} from "./metrics/meteor.js";
export { NltkPorterStemmer, nltkPorterStem } from "./metrics/porter.js";
export { type PunktParameters, PunktSentenceTokenizer } from "./metrics/punkt.js";
export { getDefaultPunkt, loadPunkt, nltkDataPath } from "./metrics/punkt-data.js";
export { factualKnowledgeScores, normalizeAnswer, type QaScores, qaScores } from "./metrics/qa.js";
export { retrievalScores } from "./metrics/retrieval.js";
export { type RougeScores, rougeScores } from "./metrics/rouge.js";
export { sqlExecutionMatch } from "./metrics/sql.js";
export { wordTokenize } from "./metrics/tokenize.js";
export { loadWordNet, WordNet } from "./metrics/wordnet.js";
export { MLFLOW_BATCH_LIMITS } from "./mlflow-batch.js";
export { MlflowClient, type MlflowClientOptions, MlflowError } from "./mlflow-client.js";
export { MlflowTracker, type MlflowTrackerOptions } from "./mlflow-tracker.js";
export {
  type PairableRecord,
  type PairedDifference,
  PairingMismatchError,
  pairedDifferences,
} from "./paired.js";
export { PrecomputedRunner, type PrecomputedRunnerOptions } from "./precomputed-runner.js";
export { type PromoteOptions, promoteIfPassed } from "./promote.js";
export { QaAccuracy, type QaAccuracyOptions } from "./qa-accuracy.js";
export {
  type EvaluationSummary,
  evaluationSummary,
  formatInterval,
  isEvaluationSummary,
  type ModelSummary,
  SMALL_SAMPLE_MARK,
} from "./report.js";
export {
  type ComparisonHtmlOptions,
  type EvaluationHtmlOptions,
  renderComparisonHtml,
  renderEvaluationHtml,
} from "./report-html.js";
export { repairRecordsFile } from "./resume.js";
export {
  RetrievalAccuracy,
  type RetrievalAccuracyOptions,
} from "./retrieval-accuracy.js";
export type { ModelRunner, RunnerOutput } from "./runner.js";
export { SageMakerModelRunner, type SageMakerModelRunnerOptions } from "./sagemaker-runner.js";
export { SqlAccuracy, type SqlAccuracyOptions, SqlReferenceError } from "./sql-accuracy.js";
export { MIN_INTERVAL_COUNT, ScoreAccumulator, type ScoreSummary, ScoreTable } from "./stats.js";
export {
  SummarizationAccuracy,
  type SummarizationAccuracyOptions,
} from "./summarization-accuracy.js";
export {
  type EvaluateText2SqlOptions,
  evaluateText2Sql,
  parseText2SqlEvalJsonl,
  type Text2SqlEvalItem,
  type Text2SqlEvalReport,
} from "./text2sql-eval.js";
export { Toxicity, type ToxicityOptions } from "./toxicity.js";
export {
  type EvaluationTracker,
  evaluationMetrics,
  type TrackEvaluationOptions,
  type TrackedRun,
  type TrackingParamValue,
  trackingKey,
} from "./tracking.js";
