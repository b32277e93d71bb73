/**
 * A local stand-in for Bedrock's `CreateInferenceProfile` (control plane, restJson1): `POST
 * /inference-profiles` with `{ inferenceProfileName, modelSource: { copyFrom }, description?,
 * clientRequestToken?, tags?: [{ key, value }] }`, answering HTTP 201 `{ inferenceProfileArn,
 * status }` like the service. A repeated name is `ConflictException`, a repeated client token
 * returns the first profile, an `aws:` tag key is `ValidationException` and more than 200 tags
 * `TooManyTagsException` (all HTTP 400, as the service model gives them).
 *
 * @module
 */
import { BedrockClient } from "@aws-sdk/client-bedrock";
import { toUtf8 } from "@smithy/util-utf8";
import {
  readBody,
  sendBody,
  sendError,
  standInClientConfig,
  standInError,
  startServer,
  testRegion,
} from "./http.js";

/** A profile the stand-in created. */
export interface StandInInferenceProfile {
  name: string;
  arn: string;
  copyFrom: string;
  description?: string;
  tags: { key: string; value: string }[];
}

/** A running stand-in. */
export interface InferenceProfilesStandIn {
  endpoint: string;
  client: BedrockClient;
  profiles: Map<string, StandInInferenceProfile>;
  /** Every request body, in order. */
  requests: Record<string, unknown>[];
  close(): Promise<void>;
}

const ACCOUNT = "123456789012";

/** Starts the stand-in on 127.0.0.1 port 0. */
export async function startInferenceProfilesStandIn(): Promise<InferenceProfilesStandIn> {
  const profiles = new Map<string, StandInInferenceProfile>();
  const byToken = new Map<string, string>();
  const requests: Record<string, unknown>[] = [];
  let next = 1;
  const running = await startServer(async (req, res, requestId) => {
    const raw = await readBody(req);
    const path = (req.url ?? "").split("?")[0];
    if (req.method !== "POST" || path !== "/inference-profiles") {
      const err = standInError({
        status: 404,
        type: "UnknownOperationException",
        message: `No route for ${req.method} ${path}`,
      });
      sendError(res, err, "message", requestId);
      return;
    }
    const body = JSON.parse(toUtf8(raw)) as Record<string, unknown>;
    requests.push(body);
    const fail = (error: ReturnType<typeof standInError>) =>
      sendError(res, error, "message", requestId);
    const name = body.inferenceProfileName;
    const copyFrom = (body.modelSource as { copyFrom?: unknown } | undefined)?.copyFrom;
    const tags = (body.tags as { key: string; value: string }[] | undefined) ?? [];
    if (typeof name !== "string" || typeof copyFrom !== "string") {
      fail(
        standInError({
          status: 400,
          type: "ValidationException",
          message: "inferenceProfileName and modelSource.copyFrom are required",
        }),
      );
      return;
    }
    if (tags.length > 200) {
      fail(
        standInError({
          status: 400,
          type: "TooManyTagsException",
          message:
            "The request contains more tags than can be associated with a resource (200 tags per resource).",
        }),
      );
      return;
    }
    if (tags.some((t) => t.key.toLowerCase().startsWith("aws:"))) {
      fail(
        standInError({
          status: 400,
          type: "ValidationException",
          message: "Tag keys may not start with aws:",
        }),
      );
      return;
    }
    const token = body.clientRequestToken;
    const earlier = typeof token === "string" ? byToken.get(token) : undefined;
    if (earlier) {
      sendBody(res, requestId, JSON.stringify({ inferenceProfileArn: earlier, status: "ACTIVE" }), {
        "content-type": "application/json",
      });
      return;
    }
    if (profiles.has(name)) {
      fail(
        standInError({
          status: 400,
          type: "ConflictException",
          message: `An inference profile named ${name} already exists`,
        }),
      );
      return;
    }
    const arn = `arn:aws:bedrock:${testRegion}:${ACCOUNT}:application-inference-profile/p${next++}`;
    const profile: StandInInferenceProfile = { name, arn, copyFrom, tags };
    if (typeof body.description === "string") profile.description = body.description;
    profiles.set(name, profile);
    if (typeof token === "string") byToken.set(token, arn);
    const reply = JSON.stringify({ inferenceProfileArn: arn, status: "ACTIVE" });
    res.writeHead(201, {
      "content-type": "application/json",
      "x-amzn-requestid": requestId,
      "content-length": Buffer.byteLength(reply),
    });
    res.end(reply);
  });
  const client = new BedrockClient(standInClientConfig(running.endpoint));
  return {
    endpoint: running.endpoint,
    client,
    profiles,
    requests,
    close: async () => {
      client.destroy();
      await running.close();
    },
  };
}
