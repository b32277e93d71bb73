/**
 * `fmops`: run foundation models on AWS in production.
 *
 * The root entry point re-exports the core types and errors and the most used names of every
 * module (each is also on its module's subpath). Each module has its own subpath with everything
 * it offers: `fmops/core`, `fmops/models`, `fmops/streaming`,
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

export { AsyncEndpoint, AsyncInferenceFailedError, AsyncInvocation } from "./async/index.js";
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
  ChatModelRunner,
  Dataset,
  ModelEvaluator,
  qaScores,
  rougeScores,
} from "./evaluation/index.js";
export {
  BedrockChatModel,
  BedrockEmbeddingModel,
  type CallOptions,
  type ChatModel,
  type ContentBlock,
  type EmbeddingModel,
  Guardrail,
  GuardrailInterventionError,
  generateObject,
  messageText,
  OpenAICompatibleChatModel,
  type RunnableTool,
  runTools,
  SageMakerChatModel,
  SageMakerEmbeddingModel,
  type ToolSpec,
  withGuardrail,
} from "./models/index.js";
export { EmfSink, instrument, summarize } from "./monitoring/index.js";
export { loadPromptFolder, PromptCatalog, PromptTemplate } from "./prompts/index.js";
export {
  Bm25Index,
  InMemoryVectorStore,
  RagChain,
  RecursiveTextSplitter,
  type Retriever,
  VectorStoreRetriever,
} from "./rag/index.js";
export {
  InternalStreamFailure,
  LineIterator,
  ModelStreamError,
  parseSse,
  TokenStream,
} from "./streaming/index.js";
export { FakeChatModel, FakeEmbeddingModel } from "./testing/index.js";
export { AthenaEngine, checkReadOnly, DuckDbEngine, Text2Sql } from "./text2sql/index.js";
export { VERSION } from "./version.js";
