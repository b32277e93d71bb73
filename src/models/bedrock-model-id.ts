/**
 * What a Bedrock `modelId` names: a foundation model, a cross-region inference profile, or an
 * ARN (foundation model, inference profile, application inference profile, provisioned
 * throughput, imported or custom model, prompt), and the foundation model behind it when the id
 * says. Capabilities that differ by model (tool use) are looked up from that foundation model.
 *
 * @module
 */

/** The kinds of `modelId` Bedrock accepts for Converse. */
export type BedrockModelIdKind =
  | "foundation-model"
  | "inference-profile"
  | "application-inference-profile"
  | "provisioned-model"
  | "imported-model"
  | "custom-model"
  | "prompt"
  | "unknown-arn";

/** What {@link parseBedrockModelId} read from a model id. */
export interface BedrockModelIdInfo {
  /** What the id names. */
  kind: BedrockModelIdKind;
  /** Whether the id is an ARN. */
  arn: boolean;
  /**
   * The foundation model id, without a cross-region prefix (`anthropic.claude-3-5-haiku-20241022-v1:0`),
   * when the id names it; absent for application inference profiles, provisioned throughput,
   * imported and custom models and prompts, whose ARNs end in an opaque id.
   */
  foundationModel?: string;
}

// The geographic prefixes of system-defined cross-region inference profile ids.
const PROFILE_PREFIX = /^(?:us|us-gov|eu|apac|jp|au|ca|global)\./;
const ARN = /^arn:aws[a-z-]*:bedrock:[a-z0-9-]*:\d{0,12}:([a-z-]+)\/(.+)$/;

const ARN_KINDS: Record<string, BedrockModelIdKind> = {
  "foundation-model": "foundation-model",
  "inference-profile": "inference-profile",
  "application-inference-profile": "application-inference-profile",
  "provisioned-model": "provisioned-model",
  "imported-model": "imported-model",
  "custom-model": "custom-model",
  prompt: "prompt",
};

/**
 * Reads a Bedrock model id, inference profile id or ARN.
 *
 * @example
 * ```ts
 * parseBedrockModelId("us.anthropic.claude-3-5-haiku-20241022-v1:0");
 * // { kind: "inference-profile", arn: false, foundationModel: "anthropic.claude-3-5-haiku-20241022-v1:0" }
 * parseBedrockModelId("arn:aws:bedrock:us-east-1:111122223333:application-inference-profile/a1b2c3d4e5f6");
 * // { kind: "application-inference-profile", arn: true }
 * ```
 */
export function parseBedrockModelId(modelId: string): BedrockModelIdInfo {
  const arn = ARN.exec(modelId);
  if (arn === null) {
    if (modelId.startsWith("arn:")) return { kind: "unknown-arn", arn: true };
    const profile = PROFILE_PREFIX.test(modelId);
    return {
      kind: profile ? "inference-profile" : "foundation-model",
      arn: false,
      foundationModel: modelId.replace(PROFILE_PREFIX, ""),
    };
  }
  const [, type = "", resource = ""] = arn;
  // Own keys only: a resource type of "constructor" is unknown, not Object.prototype.constructor.
  const kind = (Object.hasOwn(ARN_KINDS, type) ? ARN_KINDS[type] : undefined) ?? "unknown-arn";
  if (kind === "foundation-model" || kind === "inference-profile") {
    return { kind, arn: true, foundationModel: resource.replace(PROFILE_PREFIX, "") };
  }
  return { kind, arn: true };
}

// Foundation models whose Converse support has no tool use (Amazon Bedrock user guide,
// "Supported models and model features"): Titan Text, Claude 2.x and earlier, Jurassic-2 and
// Jamba-Instruct, Llama 2 and Llama 3 (tools came with 3.1), Mistral 7B and Mixtral 8x7B,
// Cohere Command and Command Light, DeepSeek-R1.
const NO_TOOLS = [
  /^amazon\.titan-/,
  /^anthropic\.claude-(?:v1|v2|instant)/,
  /^ai21\.(?:j2-|jamba-instruct)/,
  /^meta\.llama(?:2-|3-\d+b-)/,
  /^mistral\.(?:mistral-7b|mixtral-8x7b)/,
  /^cohere\.command-(?:text|light)/,
  /^deepseek\.r1/,
];

/**
 * Whether Converse takes tools for this foundation model id (without a cross-region prefix):
 * false for the models Bedrock documents without tool use, true otherwise (newer models have it).
 */
export function bedrockSupportsTools(foundationModel: string): boolean {
  return !NO_TOOLS.some((pattern) => pattern.test(foundationModel));
}
