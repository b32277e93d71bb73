/**
 * The flags every model-calling command shares (`--model kind:target` and its settings), parsed
 * in one place so that `chat`, `bench` and later commands accept exactly the same spelling.
 *
 * @module
 */
import { ValidationError } from "../core/index.js";
import type { ChatModel } from "../models/index.js";
import {
  BedrockChatModel,
  type ChatTemplateName,
  OpenAICompatibleChatModel,
  registeredSageMakerPayloadFormats,
  SageMakerChatModel,
  type SageMakerPayloadFormat,
} from "../models/index.js";
import { chatTemplateNames } from "../models/internal.js";
import { awsFlags, modelSpecParts } from "./flags.js";

/** `node:util` parseArgs definitions of the shared model flags. */
export const modelFlagOptions = {
  model: { type: "string" },
  format: { type: "string" },
  template: { type: "string" },
  "served-model": { type: "string" },
  region: { type: "string" },
  "endpoint-url": { type: "string" },
} as const;

/** Usage lines for the shared model flags. */
export const modelFlagsUsage = `Model:
  --model <model>           bedrock:<model-id> | sagemaker:<endpoint> | openai:<base-url>
  --format <f>              SageMaker payload format: ${registeredSageMakerPayloadFormats().join(" | ")} (default tgi)
  --template <t>            SageMaker chat template: ${chatTemplateNames.join(" | ")} (default plain)
  --served-model <name>     Model name sent to an OpenAI-compatible server (default "default")
  --region <region>         AWS region (default: the SDK's configuration)
  --endpoint-url <url>      Custom AWS endpoint (VPC endpoint or local stand-in)
`;

/** Parsed values of {@link modelFlagOptions}. */
export type ModelFlags = Partial<Record<keyof typeof modelFlagOptions, string>>;

/** Builds the ChatModel that `--model` names, or throws a ValidationError saying how to spell it. */
export function modelFromFlags(flags: ModelFlags): ChatModel {
  const spec = flags.model;
  const { kind, target } = modelSpecParts(spec, "bedrock:amazon.nova-lite-v1:0");
  const aws = awsFlags(flags);
  if (kind === "bedrock" && target) return new BedrockChatModel({ modelId: target, ...aws });
  if (kind === "sagemaker" && target) {
    return new SageMakerChatModel({
      endpointName: target,
      format: (flags.format ?? "tgi") as SageMakerPayloadFormat,
      chatTemplate: (flags.template ?? "plain") as ChatTemplateName,
      ...aws,
    });
  }
  if (kind === "openai" && target) {
    return new OpenAICompatibleChatModel({
      baseUrl: target,
      model: flags["served-model"] ?? "default",
    });
  }
  throw new ValidationError(
    `--model must be bedrock:<model-id>, sagemaker:<endpoint> or openai:<base-url>; got "${spec}".`,
    [{ path: "--model", message: "unknown model kind" }],
  );
}
