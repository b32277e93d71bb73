/**
 * What `streaming` shares with the modules above it but not with users: the Bedrock usage and
 * error mapping that the Bedrock chat model applies to its own calls, the replay of a finished
 * answer as stream events (guardrails and monitoring), and the stream-format lookup that the
 * SageMaker chat model resolves its payload format with. package.json does not export this file;
 * npm run check:layering lets modules above `streaming` import it (see docs/architecture.md).
 *
 * @module
 */

export { type BedrockUsage, bedrockUsage, converseStreamError } from "./bedrock.js";
export { streamFormatDefinition } from "./formats.js";
export { replayAnswerEvents } from "./replay.js";
