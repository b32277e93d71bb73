/**
 * `fmops/monitoring`: latency records (TTFT, end to end, output tokens per second), `instrument`
 * for any chat model, summaries with percentiles, quality metric modules, sinks (CloudWatch EMF,
 * PutMetricData, OpenTelemetry, JSONL), load tests with HTML reports, cost and drift helpers.
 *
 * @example
 * ```ts
 * import { EmfSink, instrument, summarize } from "fmops/monitoring";
 * const monitored = instrument(model, { sinks: [new EmfSink({ namespace: "MyApp/GenAI" })] });
 * ```
 *
 * @packageDocumentation
 */
export { ManualClock, type MonitorClock, systemClock } from "./clock.js";
export {
  CLOUDWATCH_METRIC_NAMES,
  type CloudWatchUnit,
  type CloudWatchValue,
  cloudWatchValues,
  dimensionValues,
  MAX_DIMENSIONS,
} from "./cloudwatch-metrics.js";
export {
  CloudWatchSink,
  type CloudWatchSinkOptions,
  PUT_METRIC_DATA_LIMITS,
} from "./cloudwatch-sink.js";
export {
  COMPREHEND_LIMITS,
  type ComprehendMetricOptions,
  comprehendSentiment,
  comprehendToxicity,
} from "./comprehend.js";
export {
  costAllocationTags,
  type InstanceHourUsage,
  instanceHourCost,
  MAX_TAGS,
  type TagProblem,
  type TagValidationOptions,
  type TokenPrices,
  tokenCost,
  validateCostAllocationTags,
} from "./cost.js";
export {
  type DriftOptions,
  type DriftResult,
  detectDrift,
  type KsResult,
  ksTest,
  populationStabilityIndex,
} from "./drift.js";
export {
  EMF_MAX_METRICS,
  EMF_MAX_VALUES,
  type EmfDocument,
  EmfSink,
  type EmfSinkOptions,
  type MetricDefinition,
} from "./emf-sink.js";
export { type HtmlReportOptions, renderLoadTestHtml } from "./html-report.js";
export {
  type InstrumentedChatModel,
  type InstrumentOptions,
  instrument,
  type MonitoringErrorContext,
} from "./instrument.js";
export { JsonlSink, type JsonlSinkOptions, parseRecordsJsonl } from "./jsonl-sink.js";
export {
  lexiconSentimentScore,
  lexiconToxicityScore,
  offlineLexiconSentiment,
  offlineLexiconToxicity,
} from "./lexicon.js";
export {
  compareRuns,
  compareSummaries,
  type LoadTestConfig,
  type LoadTestOptions,
  type LoadTestProgress,
  type LoadTestResult,
  type LoadTestRun,
  loadTestJsonl,
  type MetricComparison,
  type RunComparison,
  runLoadTest,
} from "./load-test.js";
export {
  type MeasuredCall,
  type MeasureOptions,
  measureGenerate,
  measureStream,
} from "./measure.js";
export { GEN_AI, OtelSink, type OtelSinkOptions } from "./otel-sink.js";
export {
  type CallTimings,
  type InvocationRecord,
  type InvocationStatus,
  isAbort,
  LATENCY_FIELDS,
  type LatencyField,
  type LatencyFigures,
  latencyFigures,
  providerOf,
  type RecordContext,
  recordFromFailure,
  recordFromResponse,
} from "./record.js";
export {
  DEFAULT_REFUSAL_PHRASINGS,
  fuzzyRefusalScore,
  type RefusalFamily,
  type RefusalScoreOptions,
  refusalFamilyOf,
  refusalScore,
} from "./refusal.js";
export {
  cosineSimilarity,
  type SemanticSimilarityOptions,
  semanticSimilarity,
} from "./similarity.js";
export {
  type MetricSummary,
  percentile,
  type SummarizeOptions,
  Summarizer,
  type Summary,
  summarize,
} from "./summarize.js";
export { TDigest, type TDigestOptions } from "./tdigest.js";
export { chunkUtf8, utf8Bytes } from "./text-chunks.js";
export { MemorySink, type MetricInput, type MetricModule, type MetricSink } from "./types.js";
export type { TextOutput } from "./writable.js";
