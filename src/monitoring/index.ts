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

export { type CallPrices, callCost } from "./call-cost.js";
export { CloudWatchSink, type CloudWatchSinkOptions } from "./cloudwatch-sink.js";
export {
  type ComprehendMetricOptions,
  comprehendSentiment,
  comprehendToxicity,
} from "./comprehend.js";
export {
  costAllocationTags,
  type InstanceHourUsage,
  instanceHourCost,
  type ResourceTags,
  resourceTags,
  type TokenPrices,
  tokenCost,
  validateCostAllocationTags,
} from "./cost.js";
export { detectDrift } from "./drift.js";
export { EmfSink, type EmfSinkOptions } from "./emf-sink.js";
export { renderLoadTestHtml } from "./html-report.js";
export { type InstrumentedChatModel, instrument } from "./instrument.js";
export type { InstrumentedImageModel } from "./instrument-image.js";
export { JsonlSink, type JsonlSinkOptions, parseRecordsJsonl } from "./jsonl-sink.js";
export { offlineLexiconSentiment, offlineLexiconToxicity } from "./lexicon.js";
export {
  compareRuns,
  type LoadTestConfig,
  type LoadTestProgress,
  type LoadTestResult,
  loadTestJsonl,
  type RunComparison,
  runLoadTest,
} from "./load-test.js";
export { OtelSink, type OtelSinkOptions } from "./otel-sink.js";
export type { InvocationRecord } from "./record.js";
export { refusalScore } from "./refusal.js";
export { semanticSimilarity } from "./similarity.js";
export { percentile, type Summary, summarize } from "./summarize.js";
export { MemorySink, type MetricModule, type MetricSink } from "./types.js";
