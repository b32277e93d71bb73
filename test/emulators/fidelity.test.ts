/**
 * Checks the stand-ins against the service models that ship inside the installed AWS SDK clients,
 * so that a stand-in cannot drift from what the SDK expects of the service:
 *
 * - every error a stand-in sends by literal status and name has the model's HTTP status, or is an
 *   unmodelled error listed in FIDELITY.md;
 * - the SQS and CloudWatch error tables match the model's status, legacy query code and message
 *   member, and each SQS error goes on the wire as SQS sends it and comes out of the real client
 *   as the modelled exception class.
 *
 * Event streams (SageMaker Runtime and Bedrock Runtime) are checked against the models'
 * event-stream unions in `event-stream-fidelity.test.ts`.
 */
import { readFileSync } from "node:fs";
import { ReceiveMessageCommand } from "@aws-sdk/client-sqs";
import { describe, expect, it } from "vitest";
import { CLOUDWATCH_ERRORS, startCloudWatch } from "./cloudwatch.js";
import { SQS_ERRORS, type SqsErrorName, sqsError, startSqs } from "./sqs.js";

/** What a client's schema says about one modelled error. */
interface ModelledError {
  /** HTTP status: the `httpError` trait, else 400 for client faults and 500 for server faults. */
  status: number;
  /** The `awsQueryError` trait: legacy code and status, for query-compatible services. */
  query: [string, number] | undefined;
  /** The error structure's member names. */
  members: string[];
}

/**
 * The modelled errors of one SDK client, read from the schema objects the package exports (each
 * error schema is `[-3, namespace, name, traits, memberNames, memberSchemas]`).
 */
async function modelledErrors(client: string): Promise<Map<string, ModelledError>> {
  const sdk = (await import(`@aws-sdk/client-${client}`)) as Record<string, unknown>;
  const errors = new Map<string, ModelledError>();
  for (const [key, value] of Object.entries(sdk)) {
    if (!key.endsWith("$") || !Array.isArray(value) || value[0] !== -3) continue;
    const traits = value[3] as Record<string, unknown> | 0;
    if (typeof traits !== "object" || traits.error === undefined) continue;
    errors.set(value[2] as string, {
      status: (traits.httpError as number | undefined) ?? (traits.error === "server" ? 500 : 400),
      query: traits.awsQueryError as [string, number] | undefined,
      members: value[4] as string[],
    });
  }
  if (errors.size === 0) throw new Error(`no error schemas found in @aws-sdk/client-${client}`);
  return errors;
}

/** Each AWS stand-in: its source file, the SDK client it serves and its name in FIDELITY.md. */
const STAND_INS = [
  { file: "athena.ts", client: "athena", service: "Athena" },
  { file: "bedrock.ts", client: "bedrock", service: "Bedrock" },
  { file: "bedrock-agent.ts", client: "bedrock-agent", service: "BedrockAgent" },
  {
    file: "bedrock-agent-runtime.ts",
    client: "bedrock-agent-runtime",
    service: "BedrockAgentRuntime",
  },
  { file: "bedrock-runtime.ts", client: "bedrock-runtime", service: "BedrockRuntime" },
  // The scripted guardrail behind the Bedrock Runtime stand-in's ApplyGuardrail route.
  { file: "guardrail-policy.ts", client: "bedrock-runtime", service: "BedrockRuntime" },
  { file: "cloudwatch.ts", client: "cloudwatch", service: "CloudWatch" },
  { file: "comprehend.ts", client: "comprehend", service: "Comprehend" },
  { file: "glue.ts", client: "glue", service: "Glue" },
  { file: "kendra.ts", client: "kendra", service: "Kendra" },
  { file: "opensearch-domains.ts", client: "opensearch", service: "OpenSearch" },
  { file: "bedrock-inference-profiles.ts", client: "bedrock", service: "Bedrock" },
  { file: "sagemaker.ts", client: "sagemaker", service: "SageMaker" },
  { file: "sagemaker-runtime.ts", client: "sagemaker-runtime", service: "SageMakerRuntime" },
  // SQS sends its errors from SQS_ERRORS (checked below), not from literals.
  { file: "sqs.ts", client: "sqs", service: "SQS", viaTable: true },
];

const here = (name: string) => new URL(name, import.meta.url);

/** Every `status: NNN, type: "Name"` literal in a stand-in's source. */
function literalErrors(file: string): { status: number; type: string }[] {
  const source = readFileSync(here(file), "utf8");
  return [...source.matchAll(/status:\s*(\d{3}),\s*type:\s*"([\w.]+)"/g)].map((m) => ({
    status: Number(m[1]),
    type: m[2] as string,
  }));
}

/** The `error` rows of FIDELITY.md's table: service, name and the HTTP status sent. */
function documentedUnmodelled(): { service: string; name: string; status: number }[] {
  const rows: { service: string; name: string; status: number }[] = [];
  for (const line of readFileSync(here("FIDELITY.md"), "utf8").split("\n")) {
    const cells = line.split("|").map((c) => c.trim());
    if (cells[1] !== "error") continue;
    const status = /HTTP (\d{3})/.exec(cells[4] ?? "");
    for (const name of (cells[3] ?? "").split(",")) {
      rows.push({ service: cells[2] as string, name: name.trim(), status: Number(status?.[1]) });
    }
  }
  return rows;
}

describe("stand-in errors match the service models", () => {
  const documented = documentedUnmodelled();
  it("FIDELITY.md lists unmodelled errors (so the table was read)", () => {
    expect(documented.length).toBeGreaterThan(5);
  });

  for (const standIn of STAND_INS) {
    it(`${standIn.service}: every error the stand-in sends has the model's status or is documented`, async () => {
      const model = await modelledErrors(standIn.client);
      const literals = literalErrors(standIn.file);
      if (!("viaTable" in standIn)) expect(literals.length).toBeGreaterThan(0);
      for (const { status, type } of literals) {
        const modelled = model.get(type);
        if (modelled) {
          expect({ type, status }, `${standIn.file}: ${type}`).toEqual({
            type,
            status: modelled.status,
          });
          continue;
        }
        const row = documented.find((r) => r.service === standIn.service && r.name === type);
        expect(
          row,
          `${standIn.file}: unmodelled ${type} must be listed in FIDELITY.md`,
        ).toBeDefined();
        expect(row?.status, `${standIn.file}: ${type} status as documented`).toBe(status);
      }
    });
  }
});

describe("query-compatible error tables match the model", () => {
  it("SQS: status, query code and message member of every listed error", async () => {
    const model = await modelledErrors("sqs");
    for (const [name, spec] of Object.entries(SQS_ERRORS)) {
      const modelled = model.get(name);
      expect(modelled, name).toBeDefined();
      expect(spec.status, name).toBe(modelled?.status);
      // Errors the model gives no query code keep their own name as the code.
      expect([spec.queryCode, spec.status], name).toEqual(modelled?.query ?? [name, spec.status]);
      // The stand-in sends `message`; the model must have that member (or none at all).
      if (modelled?.members.length) expect(modelled.members, name).toContain("message");
    }
  });

  it("CloudWatch: status, query code and message member of every listed error", async () => {
    const model = await modelledErrors("cloudwatch");
    for (const [name, spec] of Object.entries(CLOUDWATCH_ERRORS)) {
      const modelled = model.get(name);
      expect(modelled, name).toBeDefined();
      expect(spec.status, name).toBe(modelled?.status);
      expect([spec.queryCode, spec.status], name).toEqual(modelled?.query);
      expect(modelled?.members, name).toContain(spec.messageKey);
    }
  });
});

describe("SQS errors on the wire", () => {
  it("each listed error goes out as SQS sends it and the SDK raises the modelled class", async () => {
    const sqs = await startSqs();
    const sdk = (await import("@aws-sdk/client-sqs")) as Record<string, unknown>;
    try {
      for (const name of Object.keys(SQS_ERRORS) as SqsErrorName[]) {
        const { status, queryCode } = SQS_ERRORS[name];
        sqs.failNext(sqsError(name, `about ${name}`));
        const res = await fetch(`${sqs.endpoint}/`, {
          method: "POST",
          headers: {
            "content-type": "application/x-amz-json-1.0",
            "x-amz-target": "AmazonSQS.ReceiveMessage",
          },
          body: JSON.stringify({ QueueUrl: sqs.queueUrl("wire") }),
        });
        expect(res.status, name).toBe(status);
        expect(res.headers.get("x-amzn-query-error"), name).toBe(`${queryCode};Sender`);
        expect(res.headers.get("content-type"), name).toBe("application/x-amz-json-1.0");
        expect(await res.json(), name).toEqual({
          __type: `com.amazonaws.sqs#${name}`,
          message: `about ${name}`,
        });

        sqs.failNext(sqsError(name, `about ${name}`));
        const err = await sqs.client
          .send(new ReceiveMessageCommand({ QueueUrl: sqs.queueUrl("wire") }))
          .catch((e: unknown) => e);
        expect(err, name).toBeInstanceOf(sdk[name] as new () => Error);
        expect(err, name).toMatchObject({ name, Code: queryCode, Type: "Sender" });
      }
    } finally {
      await sqs.close();
    }
  });

  it("CloudWatch's validation error carries the modelled query code on the wire", async () => {
    const cw = await startCloudWatch();
    try {
      const res = await fetch(`${cw.endpoint}/`, {
        method: "POST",
        headers: {
          "content-type": "application/x-amz-json-1.0",
          "x-amz-target": "GraniteServiceVersion20100801.PutMetricData",
        },
        body: JSON.stringify({ Namespace: "AWS/Reserved", MetricData: [] }),
      });
      expect(res.status).toBe(400);
      expect(res.headers.get("x-amzn-query-error")).toBe("InvalidParameterValue;Sender");
      expect(await res.json()).toMatchObject({
        __type: "com.amazonaws.cloudwatch#InvalidParameterValueException",
      });
    } finally {
      await cw.close();
    }
  });
});
