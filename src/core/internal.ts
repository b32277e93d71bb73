/**
 * Core's plumbing for the other fmops modules: the helpers every module shares (lazy AWS SDK
 * loading, option schemas, abort and deadline helpers, body reading, S3 URI joining, the waiter's
 * delays) that users should not depend on. package.json does not export this file, so only code
 * inside fmops can import it; npm run check:layering lets other modules import it besides
 * core's index.ts (see docs/architecture.md). Names are added by scripts/route-imports.mjs.
 *
 * @module
 */

export {
  awsClientConfigShape,
  awsClientSchema,
  clientConfigFrom,
  isRetryableAwsError,
  type SendsCommands,
  sageMakerEndpointNameSchema,
} from "./aws.js";
export { awsPages, signalledAwsCall } from "./aws-call.js";
export {
  athenaSdk,
  bedrockAgentRuntimeSdk,
  bedrockAgentSdk,
  bedrockRuntimeSdk,
  bedrockSdk,
  cloudWatchSdk,
  comprehendSdk,
  glueSdk,
  kendraSdk,
  type LoadedAwsClient,
  lazyAwsClient,
  openSearchSdk,
  s3Sdk,
  sageMakerRuntimeSdk,
  sageMakerSdk,
  sqsSdk,
} from "./aws-sdk.js";
export { bodyChunks, collectChunks } from "./body.js";
export {
  addUsage,
  type ContentBlock,
  contentText,
  messageText,
  type ResponseFormat,
  type ToolCall,
  type ToolChoice,
  type ToolResultBlock,
  type ToolSpec,
  type ToolUseBlock,
} from "./chat.js";
export {
  COMPREHEND_LIMITS,
  type ComprehendOptions,
  cutToBytes,
  detectToxicContent,
  type ResolvedComprehendOptions,
  resolveComprehendOptions,
} from "./comprehend.js";
export { toEmbedding, toEmbeddings } from "./embedding-vectors.js";
export { type AwsErrorDetails, describeNetworkError, type ValidationIssue } from "./errors.js";
export { COLORS, esc } from "./html.js";
export { inferenceOptionsSchema } from "./inference-options.js";
export { parseJsonBody } from "./json-body.js";
export { parseJsonLines } from "./json-lines.js";
export { loadOptional } from "./optional.js";
export { rejectUnknownOptions, schemaFor } from "./options.js";
export { paginatorClient } from "./paginator-client.js";
export { joinS3Uri } from "./s3-uri.js";
export { escapeUriComponent, SigV4Signer } from "./sigv4.js";
export { closestMatch } from "./suggest.js";
export {
  MAX_TAGS,
  type ResourceTag,
  type ResourceTags,
  resourceTags,
  type TagProblem,
  type TagValidationOptions,
  validateCostAllocationTags,
} from "./tags.js";
export { chunkUtf8, utf8Bytes } from "./text-chunks.js";
export { checkToolCall, ToolCallAssembler, toolInputJson } from "./tool-calls.js";
export {
  isModelFolderPath,
  loadTransformers,
  modelLocation,
  type TransformersDtype,
  transformersDtypeSchema,
  transformersLoadError,
} from "./transformers.js";
export { abortError, MAX_TIMER_MS, sleep, throwIfAborted } from "./wait.js";
export {
  type PollDelayOptions,
  pollDelay,
  pollDelayShape,
  resolveDelays,
  type WaiterPollEvent,
} from "./waiter.js";
