/**
 * `fmops/models`: the `ChatModel` and `EmbeddingModel` interfaces and their adapters for Bedrock,
 * SageMaker endpoints and OpenAI-compatible servers, and Bedrock guardrails as pre/post steps.
 *
 * @packageDocumentation
 */
// ChatMessage, ChatRequest and ChatResponse live in fmops/core (and the root fmops), not here:
// every module's signatures name them, and a name has one subpath.
export type { ContentBlock, ResponseFormat, ToolCall, ToolSpec } from "../core/internal.js";
export { messageText } from "../core/internal.js";
export { BedrockChatModel, type BedrockChatModelOptions } from "./bedrock-chat.js";
export { BedrockEmbeddingModel, type BedrockEmbeddingModelOptions } from "./bedrock-embedding.js";
export {
  BedrockImageModel,
  type BedrockImageModelOptions,
} from "./bedrock-image.js";
export { type ChatTemplateName, chatTemplate } from "./chat-templates.js";
export type { ConstrainedDecodingField } from "./constrained-decoding.js";
export {
  type GenerateObjectRequest,
  type GenerateObjectResult,
  generateObject,
  ObjectGenerationError,
} from "./generate-object.js";
export {
  Guardrail,
  GuardrailInterventionError,
  type GuardrailOptions,
  type GuardrailResult,
} from "./guardrail.js";
export {
  ImageContentFilteredError,
  type ImageModel,
  type ImageRequest,
  type ImageResult,
} from "./image-types.js";
export {
  type ApplicationInferenceProfile,
  createApplicationInferenceProfile,
} from "./inference-profile.js";
export {
  type FetchLike,
  HttpError,
  OpenAICompatibleChatModel,
  type OpenAICompatibleChatModelOptions,
} from "./openai-compatible.js";
export {
  type PiiCheckResult,
  PiiDetectedError,
  PiiRedactor,
  type PiiRedactorOptions,
} from "./pii-redactor.js";
export {
  SageMakerChatModel,
  type SageMakerChatModelOptions,
  streamEndpoint,
} from "./sagemaker-chat.js";
export {
  SageMakerEmbeddingModel,
  type SageMakerEmbeddingModelOptions,
} from "./sagemaker-embedding.js";
export {
  type SageMakerImageFormat,
  SageMakerImageModel,
  type SageMakerImageModelOptions,
} from "./sagemaker-image.js";
export {
  type PayloadContext,
  registeredSageMakerPayloadFormats,
  registerSageMakerPayloadCodec,
  type SageMakerPayloadCodec,
  type SageMakerPayloadFormat,
} from "./sagemaker-payloads.js";
export { saveImages } from "./save-images.js";
export {
  type ImageToEmbed,
  TitanMultimodalEmbeddingModel,
  type TitanMultimodalEmbeddingModelOptions,
} from "./titan-multimodal-embedding.js";
export {
  type RunnableTool,
  type RunToolsRequest,
  type RunToolsResult,
  runTools,
  type ToolContext,
  type ToolStep,
  ToolStepLimitError,
} from "./tools.js";
export type { CallOptions, ChatModel, EmbeddingModel, StructuredOutputMode } from "./types.js";
export { type TextScreen, withGuardrail } from "./with-guardrail.js";
