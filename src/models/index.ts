/**
 * `fmops/models`: the `ChatModel` and `EmbeddingModel` interfaces and their adapters for Bedrock,
 * SageMaker endpoints and OpenAI-compatible servers.
 *
 * @packageDocumentation
 */
export type {
  ChatLatency,
  ChatMessage,
  ChatRequest,
  ChatResponse,
  TokenUsage,
} from "../core/chat.js";
export { chatRequestSchema, validateChatRequest } from "./request.js";
export type { CallOptions, ChatModel, EmbeddingModel } from "./types.js";
