/**
 * `fmops`: run foundation models on AWS in production.
 *
 * The root entry point re-exports the core types and the most used classes. Each module has its
 * own subpath with everything it offers: `fmops/core`, `fmops/models`, `fmops/streaming`,
 * `fmops/async`, `fmops/text2sql`, `fmops/prompts`, `fmops/rag`, `fmops/monitoring`,
 * `fmops/evaluation`, `fmops/testing`.
 *
 * @example
 * ```ts
 * import { BedrockChatModel, FmopsError } from "fmops";
 *
 * const model = new BedrockChatModel({ modelId: "amazon.nova-lite-v1:0", region: "us-east-1" });
 * for await (const delta of model.stream({ messages: [{ role: "user", content: "Hi" }] })) {
 *   process.stdout.write(delta);
 * }
 * ```
 *
 * @packageDocumentation
 */
export type {
  ChatLatency,
  ChatMessage,
  ChatRequest,
  ChatResponse,
  TokenUsage,
} from "./core/chat.js";
export type { FmopsErrorCode } from "./core/error-codes.js";
export {
  AbortedError,
  AwsServiceError,
  FmopsError,
  isFmopsError,
  MissingDependencyError,
  PermissionDeniedError,
  TimeoutError,
  ValidationError,
} from "./core/errors.js";
export { type RetryOptions, retry } from "./core/retry.js";
export { Deadline, sleep, type WaitOptions } from "./core/wait.js";
export {
  BedrockChatModel,
  BedrockEmbeddingModel,
  type CallOptions,
  type ChatModel,
  type EmbeddingModel,
  Guardrail,
  GuardrailInterventionError,
  OpenAICompatibleChatModel,
  SageMakerChatModel,
  SageMakerEmbeddingModel,
  withGuardrail,
} from "./models/index.js";
export { instrument, summarize } from "./monitoring/index.js";
export { PromptCatalog, PromptTemplate } from "./prompts/index.js";
export { Bm25Index, RagChain } from "./rag/index.js";
export {
  InternalStreamFailure,
  LineIterator,
  ModelStreamError,
  parseSse,
  TokenStream,
} from "./streaming/index.js";
export { AthenaEngine, DuckDbEngine, Text2Sql } from "./text2sql/index.js";
export { VERSION } from "./version.js";
export {
  type ContentBlock,
  generateObject,
  messageText,
  type RunnableTool,
  runTools,
  type ToolSpec,
} from "./models/index.js";
