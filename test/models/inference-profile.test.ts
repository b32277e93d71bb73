import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ValidationError } from "../../src/core/errors.js";
import { createApplicationInferenceProfile } from "../../src/models/inference-profile.js";
import {
  type InferenceProfilesStandIn,
  startInferenceProfilesStandIn,
} from "../emulators/bedrock-inference-profiles.js";

const NOVA = "arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-lite-v1:0";
let bedrock: InferenceProfilesStandIn;

beforeAll(async () => {
  bedrock = await startInferenceProfilesStandIn();
});
afterAll(async () => {
  await bedrock.close();
});

describe("createApplicationInferenceProfile", () => {
  it("creates the profile with the cost-allocation tags in Bedrock's { key, value } shape", async () => {
    const profile = await createApplicationInferenceProfile({
      client: bedrock.client,
      name: "support-bot-nova-lite",
      modelSource: NOVA,
      tags: { application: "support-bot", CostCenter: "42" },
      requiredTags: ["CostCenter"],
      description: "support bot",
    });
    expect(profile.arn).toMatch(/:application-inference-profile\//);
    expect(profile.status).toBe("ACTIVE");
    expect(bedrock.profiles.get("support-bot-nova-lite")).toMatchObject({
      copyFrom: NOVA,
      description: "support bot",
      tags: [
        { key: "application", value: "support-bot" },
        { key: "CostCenter", value: "42" },
      ],
    });
  });

  it("a repeated client token returns the first profile instead of a second", async () => {
    const first = await createApplicationInferenceProfile({
      client: bedrock.client,
      name: "eval-a",
      modelSource: NOVA,
      tags: { application: "eval" },
      clientRequestToken: "tok-1",
    });
    const again = await createApplicationInferenceProfile({
      client: bedrock.client,
      name: "eval-a",
      modelSource: NOVA,
      tags: { application: "eval" },
      clientRequestToken: "tok-1",
    });
    expect(again.arn).toBe(first.arn);
  });

  it("a taken name is the service's ConflictException, wrapped", async () => {
    await createApplicationInferenceProfile({
      client: bedrock.client,
      name: "taken",
      modelSource: NOVA,
      tags: { application: "x" },
    });
    await expect(
      createApplicationInferenceProfile({
        client: bedrock.client,
        name: "taken",
        modelSource: NOVA,
        tags: { application: "x" },
      }),
    ).rejects.toMatchObject({ code: "AWS_CONFLICT_EXCEPTION" });
  });

  it.each<[Record<string, unknown>, RegExp]>([
    [{ tags: {} }, /at least one cost-allocation tag/],
    [{ tags: { "aws:owner": "me" } }, /aws:owner: the "aws:" prefix is reserved/],
    [
      { tags: { application: "x" }, requiredTags: ["CostCenter"] },
      /CostCenter: required tag is missing/,
    ],
    [{ tags: { "bad,key": "v" } }, /bad,key: key may only contain/],
    [
      { modelSource: "amazon.nova-lite-v1:0" },
      /modelSource: must be a foundation-model or inference-profile ARN/,
    ],
    [{ name: "two  spaces" }, /name/],
  ])("refuses %j before any request", async (override, message) => {
    const before = bedrock.requests.length;
    const err = await createApplicationInferenceProfile({
      client: bedrock.client,
      name: "refused",
      modelSource: NOVA,
      tags: { application: "x" },
      ...override,
    } as Parameters<typeof createApplicationInferenceProfile>[0]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ValidationError);
    expect((err as Error).message).toMatch(message);
    expect(bedrock.requests.length).toBe(before);
  });
});
