/**
 * `fmops/models`: the `ChatModel` and `EmbeddingModel` interfaces and their adapters for Bedrock,
 * SageMaker endpoints and OpenAI-compatible servers, and Bedrock guardrails as pre/post steps.
 *
 * @packageDocumentation
 */
export type {
  CachePointBlock,
  ChatLatency,
  ChatMessage,
  ChatRequest,
  ChatResponse,
  ContentBlock,
  DocumentBlock,
  ImageBlock,
  ReasoningBlock,
  ResponseFormat,
  TextBlock,
  TokenUsage,
  ToolCall,
  ToolChoice,
  ToolResultBlock,
  ToolSpec,
  ToolUseBlock,
} from "../core/chat.js";
export { contentText, messageText } from "../core/chat.js";
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
} from "./bedrock-embedding.js";
export {
  BedrockImageModel,
  type BedrockImageModelOptions,
} from "./bedrock-image.js";
export {
  type ChatTemplate,
  type ChatTemplateFn,
  type ChatTemplateName,
  chatTemplate,
} from "./chat-templates.js";
export type { ConstrainedDecodingField } from "./constrained-decoding.js";
export {
  type GenerateObjectRequest,
  type GenerateObjectResult,
  generateObject,
  type ObjectAttempt,
  ObjectGenerationError,
  type ObjectMode,
} from "./generate-object.js";
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
  type GeneratedImage,
  ImageContentFilteredError,
  type ImageModel,
  type ImageRequest,
  type ImageResult,
  type ImageTask,
} from "./image-types.js";
export {
  type FetchLike,
  HttpError,
  OpenAICompatibleChatModel,
  type OpenAICompatibleChatModelOptions,
} from "./openai-compatible.js";
export { validateChatRequest } from "./request.js";
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
  SageMakerImageModel,
  type SageMakerImageModelOptions,
} from "./sagemaker-image.js";
export { type SaveImagesOptions, saveImages } from "./save-images.js";
export {
  type ImageToEmbed,
  TitanMultimodalEmbeddingModel,
  type TitanMultimodalEmbeddingModelOptions,
} from "./titan-multimodal-embedding.js";
export {
  type BuiltinSageMakerPayloadFormat,
  type PayloadContext,
  type RegisterPayloadCodecOptions,
  registeredSageMakerPayloadFormats,
  registerSageMakerPayloadCodec,
  type SageMakerPayloadCodec,
  type SageMakerPayloadFormat,
} from "./sagemaker-payloads.js";
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
export type { CallOptions, ChatModel, EmbeddingModel, StructuredOutputMode } from "./types.js";
export { type WithGuardrailOptions, withGuardrail } from "./with-guardrail.js";
