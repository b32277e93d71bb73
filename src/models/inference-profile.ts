/**
 * {@link createApplicationInferenceProfile}: an application inference profile, Bedrock's way to
 * give one application's model calls their own ARN, so that its usage and cost show up under its
 * own cost-allocation tags. The tags go through the same builder as every other resource fmops
 * creates.
 *
 * @module
 */
import type { BedrockClient } from "@aws-sdk/client-bedrock";
import { z } from "zod";
import {
  type AwsClientConfig,
  FmopsError,
  parseOptions,
  type WaitOptions,
  withDeadline,
} from "../core/index.js";
import {
  awsClientConfigShape,
  awsClientSchema,
  bedrockSdk,
  clientConfigFrom,
  lazyAwsClient,
  resourceTags,
  type SendsCommands,
  schemaFor,
  signalledAwsCall,
  validateCostAllocationTags,
} from "../core/internal.js";

/** Options for {@link createApplicationInferenceProfile}. */
export interface ApplicationInferenceProfileOptions extends AwsClientConfig, WaitOptions {
  /** The profile's name: letters, digits, `:` and `.`, single spaces, `_` or `-` between them; at most 64. */
  name: string;
  /**
   * What the profile routes to: a foundation model ARN
   * (`arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-lite-v1:0`) or a system-defined
   * (cross-region) inference profile ARN to copy.
   */
  modelSource: string;
  /** Cost-allocation tags, e.g. `{ application: "support-bot", CostCenter: "42" }`. At least one. */
  tags: Record<string, string>;
  /** Tag keys that must be present and non-empty (your organisation's cost-allocation policy). */
  requiredTags?: string[];
  /** Shown in the console. At most 200 characters. */
  description?: string;
  /** Idempotency token: calling again with the same token does not create a second profile. */
  clientRequestToken?: string;
  /** A ready Bedrock (control plane) client; preferred. */
  client?: SendsCommands;
}

/** What {@link createApplicationInferenceProfile} created. */
export interface ApplicationInferenceProfile {
  /** Use it as the `modelId` of a `BedrockChatModel`; calls through it are billed to its tags. */
  arn: string;
  /** `ACTIVE` once usable. */
  status: string | undefined;
}

const SOURCE_ARN =
  /^arn:aws(|-us-gov|-cn|-iso|-iso-b):bedrock:[0-9a-z-]{0,20}:(|[0-9]{12}):(inference-profile|foundation-model)\/[a-zA-Z0-9-:.]+$/;

const optionsSchema = schemaFor<ApplicationInferenceProfileOptions>()(
  z
    .object({
      ...awsClientConfigShape,
      name: z
        .string()
        .max(64)
        .regex(
          /^([0-9a-zA-Z:.][ _-]?)+$/,
          "must be letters, digits, ':' and '.', with single ' ', '_' or '-' between them",
        ),
      modelSource: z
        .string()
        .regex(SOURCE_ARN, "must be a foundation-model or inference-profile ARN"),
      tags: z
        .record(z.string(), z.string())
        .refine((t) => Object.keys(t).length > 0, "give at least one cost-allocation tag"),
      requiredTags: z.array(z.string().min(1)).optional(),
      description: z.string().min(1).max(200).optional(),
      clientRequestToken: z
        .string()
        .regex(/^[a-zA-Z0-9](-*[a-zA-Z0-9])*$/)
        .max(256)
        .optional(),
      client: awsClientSchema("BedrockClient").optional(),
      signal: z.instanceof(AbortSignal).optional(),
      timeoutMs: z.int().positive().optional(),
    })
    .strict()
    .superRefine((o, ctx) => {
      const rules = { maxTags: 200, required: o.requiredTags ?? [] };
      for (const p of validateCostAllocationTags(o.tags, rules)) {
        ctx.addIssue({ code: "custom", path: ["tags"], message: `${p.key}: ${p.message}` });
      }
    }),
);

/**
 * Creates an application inference profile for `modelSource`, tagged with `tags` (checked by the
 * shared cost-allocation rules before any call: no `aws:` keys, allowed characters, lengths,
 * your `requiredTags`). Pass the returned ARN as a Bedrock chat model's `modelId`, and the
 * calls made through it appear under those tags in Cost Explorer once the tag keys are activated
 * as cost-allocation tags.
 *
 * Needs the optional peer `@aws-sdk/client-bedrock` and `bedrock:CreateInferenceProfile` (plus
 * `bedrock:TagResource`).
 *
 * @example
 * ```ts
 * const profile = await createApplicationInferenceProfile({
 *   name: "support-bot-nova-lite",
 *   modelSource: "arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-lite-v1:0",
 *   tags: { application: "support-bot", CostCenter: "42" },
 *   requiredTags: ["CostCenter"],
 * });
 * const model = new BedrockChatModel({ modelId: profile.arn });
 * ```
 */
export async function createApplicationInferenceProfile(
  options: ApplicationInferenceProfileOptions,
): Promise<ApplicationInferenceProfile> {
  const o = parseOptions(optionsSchema, options, "createApplicationInferenceProfile options");
  const tags = resourceTags(o.tags, { maxTags: 200, required: o.requiredTags ?? [] });
  const config = clientConfigFrom(o);
  const load = lazyAwsClient(
    bedrockSdk,
    "createApplicationInferenceProfile",
    // Typed structurally in the options (SendsCommands: no optional peer in fmops's declarations).
    o.client as BedrockClient | undefined,
    (sdk) => new sdk.BedrockClient(config),
  );
  const { sdk, client } = await load();
  const wait: WaitOptions = {};
  if (o.signal) wait.signal = o.signal;
  if (o.timeoutMs !== undefined) wait.timeoutMs = o.timeoutMs;
  const out = await withDeadline(wait, 30_000, `creating inference profile ${o.name}`, (signal) =>
    signalledAwsCall(
      signal,
      {
        service: "Bedrock",
        operation: "CreateInferenceProfile",
        iamAction: "bedrock:CreateInferenceProfile",
      },
      () =>
        client.send(
          new sdk.CreateInferenceProfileCommand({
            inferenceProfileName: o.name,
            modelSource: { copyFrom: o.modelSource },
            tags: tags.bedrock(),
            ...(o.description !== undefined ? { description: o.description } : {}),
            ...(o.clientRequestToken !== undefined
              ? { clientRequestToken: o.clientRequestToken }
              : {}),
          }),
          { abortSignal: signal },
        ),
    ),
  );
  if (!out.inferenceProfileArn) {
    throw new FmopsError(
      "UNEXPECTED_RESPONSE",
      `CreateInferenceProfile for "${o.name}" returned no inferenceProfileArn. Look the profile up with ListInferenceProfiles before retrying.`,
    );
  }
  return { arn: out.inferenceProfileArn, status: out.status };
}
