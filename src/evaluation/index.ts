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
  type BatchJobDescription,
  BatchJobFailedError,
  type BatchJobInfo,
  type BatchJobStatus,
  type BatchPollEvent,
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
  type CandidateCost,
  type CandidateDifferences,
  type CandidateOutcome,
  type CompareCandidatesOptions,
  type ComparisonCandidate,
  type ComparisonProgress,
  type ComparisonResult,
  type ComparisonResumeSource,
  compareCandidates,
  type PromptCandidateOptions,
  promptCandidate,
} from "./compare.js";
export type { ContentRunnerOptions, JsonValue, RunnerPrompt } from "./content-template.js";
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
  EvaluationFailedError,
  type EvaluationProgress,
  type EvaluationRecord,
  type EvaluationRecordError,
  type EvaluationResult,
  type EvaluationStatus,
  ModelEvaluator,
  type ModelEvaluatorOptions,
} from "./evaluator.js";
export { FactualKnowledge, type FactualKnowledgeAlgorithmOptions } from "./factual-knowledge.js";
export {
  type FileRun,
  FileTracker,
  type FileTrackerOptions,
  type StoredFileRun,
} from "./file-tracker.js";
export {
  type CheckGatesOptions,
  checkGates,
  type Gate,
  type GateInput,
  type GateReport,
  type GateVerdict,
  parseGate,
} from "./gates.js";
export { type GateJunitOptions, gateReportJunit } from "./junit.js";
export type { LatencySummary } from "./latency.js";
export { LlmJudge, type LlmJudgeOptions } from "./llm-judge.js";
export {
  type BertScore,
  type BertScoreBaseline,
  type BertScoreIdf,
  type BertScoreLibrary,
  type BertScorePair,
  BertScorer,
  type BertScorerOptions,
  type BertScoreTensorClass,
  FMEVAL_BERTSCORE_MODEL,
} from "./metrics/bertscore.js";
export {
  type MeteorDetails,
  type MeteorOptions,
  meteorScore,
  meteorScoreDetails,
  meteorScoreTokens,
  type SentenceSplitting,
} from "./metrics/meteor.js";
export { NltkPorterStemmer, nltkPorterStem } from "./metrics/porter.js";
export { type PunktParameters, PunktSentenceTokenizer } from "./metrics/punkt.js";
export {
  type DefaultPunkt,
  getDefaultPunkt,
  loadPunkt,
  nltkDataPath,
  type PunktDataOptions,
} from "./metrics/punkt-data.js";
export {
  type FactualKnowledgeOptions,
  type FactualKnowledgeScores,
  factualKnowledgeScores,
  normalizeAnswer,
  type QaOptions,
  type QaScores,
  qaScores,
} from "./metrics/qa.js";
export {
  type RetrievalOptions,
  type RetrievalScores,
  retrievalScores,
} from "./metrics/retrieval.js";
export {
  type RougeOptions,
  type RougeScore,
  type RougeScores,
  type RougeType,
  rougeScores,
} from "./metrics/rouge.js";
export { type ResultRow, type SqlMatchOptions, sqlExecutionMatch } from "./metrics/sql.js";
export {
  type SentenceTokenizer,
  type WordTokenizeOptions,
  wordTokenize,
} from "./metrics/tokenize.js";
export {
  type LoadWordNetOptions,
  loadWordNet,
  WordNet,
  type WordNetPos,
  type WordNetSource,
} from "./metrics/wordnet.js";
export { MLFLOW_BATCH_LIMITS, type MlflowBatch, type MlflowMetric } from "./mlflow-batch.js";
export {
  type MlflowCallOptions,
  MlflowClient,
  type MlflowClientOptions,
  MlflowError,
  type MlflowErrorOptions,
  type MlflowExperiment,
  type MlflowRun,
  type MlflowRunStatus,
  type MlflowUploadOptions,
} from "./mlflow-client.js";
export {
  MlflowTracker,
  type MlflowTrackerOptions,
  type TrackedComparison,
} from "./mlflow-tracker.js";
export {
  type PairableRecord,
  type PairedDifference,
  PairingMismatchError,
  pairedDifferences,
} from "./paired.js";
export { PrecomputedRunner, type PrecomputedRunnerOptions } from "./precomputed-runner.js";
export { type PromoteOptions, type PromoteOutcome, promoteIfPassed } from "./promote.js";
export { QaAccuracy, type QaAccuracyOptions } from "./qa-accuracy.js";
export type { RecordSink } from "./record-sink.js";
export {
  type EvaluationSummary,
  type EvaluationSummaryMeta,
  evaluationSummary,
  formatInterval,
  type ModelResult,
  type ModelSummary,
  type SummaryScore,
  type SummaryScores,
} from "./report.js";
export {
  type ComparisonHtmlOptions,
  type EvaluationHtmlOptions,
  type EvaluationReportInput,
  renderComparisonHtml,
  renderEvaluationHtml,
} from "./report-html.js";
export {
  type RepairResult,
  type ResumableRecord,
  ResumeMismatchError,
  ResumeRecordError,
  type ResumeSource,
  repairRecordsFile,
} from "./resume.js";
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
  type Text2SqlEvalRecord,
  type Text2SqlEvalReport,
} from "./text2sql-eval.js";
export {
  type TextClassificationLibrary,
  Toxicity,
  type ToxicityClassifierOptions,
  type ToxicityOptions,
} from "./toxicity.js";
export {
  type EvaluationTracker,
  evaluationMetrics,
  type TrackEvaluationOptions,
  type TrackedArtifact,
  type TrackedRun,
  type TrackingParamValue,
  trackingKey,
} from "./tracking.js";
