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

// Core types and errors, then each module's most used classes: the classes a first program
// names. Everything else is on the module's own subpath (fmops/<module>).
export { AsyncEndpoint } from "./async/index.js";
export {
  type ChatMessage,
  type ChatRequest,
  type ChatResponse,
  FmopsError,
  type FmopsErrorCode,
  isFmopsError,
  TimeoutError,
  ValidationError,
} from "./core/index.js";
export { ModelEvaluator } from "./evaluation/index.js";
export {
  BedrockChatModel,
  type ChatModel,
  type EmbeddingModel,
  OpenAICompatibleChatModel,
  SageMakerChatModel,
} from "./models/index.js";
export { instrument } from "./monitoring/index.js";
export { PromptCatalog, PromptTemplate } from "./prompts/index.js";
export { Bm25Index, RagChain } from "./rag/index.js";
export { LineIterator, TokenStream } from "./streaming/index.js";
export { FakeChatModel } from "./testing/index.js";
export { Text2Sql } from "./text2sql/index.js";
export { VERSION } from "./version.js";
