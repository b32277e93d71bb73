/**
 * `fmops/models`: the `ChatModel` and `EmbeddingModel` interfaces and their adapters for Bedrock,
 * SageMaker endpoints and OpenAI-compatible servers, and Bedrock guardrails as pre/post steps.
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
export {
  BedrockChatModel,
  type BedrockChatModelOptions,
  type BedrockGuardrailConfig,
  type BedrockInferenceConfig,
} from "./bedrock-chat.js";
export {
  type BedrockEmbeddingFamily,
  BedrockEmbeddingModel,
  type BedrockEmbeddingModelOptions,
  type CohereInputType,
  embeddingFamilyOf,
} from "./bedrock-embedding.js";
export {
  type ChatTemplate,
  type ChatTemplateFn,
  type ChatTemplateName,
  chatTemplate,
  chatTemplateNames,
} from "./chat-templates.js";
export { type EmbeddingShape, toEmbedding, toEmbeddings } from "./embedding-vectors.js";
export {
  type ContentFilterFinding,
  type ContextualGroundingFinding,
  type DeniedTopicFinding,
  Guardrail,
  type GuardrailCheckOptions,
  type GuardrailFinding,
  GuardrailInterventionError,
  type GuardrailInvocationMetrics,
  type GuardrailOptions,
  type GuardrailResult,
  type GuardrailUsage,
  type PiiEntityFinding,
  type RegexFinding,
  type WordFinding,
} from "./guardrail.js";
export {
  type FetchLike,
  HttpError,
  OpenAICompatibleChatModel,
  type OpenAICompatibleChatModelOptions,
} from "./openai-compatible.js";
export { chatRequestSchema, validateChatRequest } from "./request.js";
export {
  SageMakerChatModel,
  type SageMakerChatModelOptions,
  type StreamEndpointOptions,
  streamEndpoint,
} from "./sagemaker-chat.js";
export {
  type SageMakerEmbeddingFormat,
  SageMakerEmbeddingModel,
  type SageMakerEmbeddingModelOptions,
} from "./sagemaker-embedding.js";
export {
  type PayloadContext,
  payloadCodec,
  type SageMakerPayloadCodec,
  type SageMakerPayloadFormat,
  sageMakerPayloadFormats,
} from "./sagemaker-payloads.js";
export type { CallOptions, ChatModel, EmbeddingModel } from "./types.js";
export { type WithGuardrailOptions, withGuardrail } from "./with-guardrail.js";
export type {
  CachePointBlock,
  ContentBlock,
  DocumentBlock,
  ImageBlock,
  ReasoningBlock,
  TextBlock,
  ToolCall,
  ToolChoice,
  ToolResultBlock,
  ToolSpec,
  ToolUseBlock,
} from "../core/chat.js";
export { contentText, messageText } from "../core/chat.js";
export {
  type GenerateObjectRequest,
  type GenerateObjectResult,
  generateObject,
  type ObjectAttempt,
  ObjectGenerationError,
  type ObjectMode,
} from "./generate-object.js";
export {
  type RunnableTool,
  type RunToolsRequest,
  type RunToolsResult,
  runTools,
  type ToolContext,
  type ToolRun,
  type ToolStep,
  ToolStepLimitError,
} from "./tools.js";
