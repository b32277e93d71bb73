import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { main } from "../../src/cli/main.js";
import {
  type SageMakerRuntimeStandIn,
  startSageMakerRuntime,
  testCredentials,
} from "../emulators/index.js";
import { memoryIo } from "./cli-io.js";

let standIn: SageMakerRuntimeStandIn | undefined;

beforeEach(() => {
  // The CLI builds its own client from the default chain: give it the fake keys via the environment.
  vi.stubEnv("AWS_ACCESS_KEY_ID", testCredentials.accessKeyId);
  vi.stubEnv("AWS_SECRET_ACCESS_KEY", testCredentials.secretAccessKey);
  vi.stubEnv("AWS_REGION", "us-east-1");
});
afterEach(async () => {
  vi.unstubAllEnvs();
  await standIn?.close();
  standIn = undefined;
});

const lmiLines = (tokens: string[]) =>
  tokens.map((text, i) => ({
    payload: `${JSON.stringify({ token: { id: i, text, log_prob: -1 } })}\n`,
  }));

describe("fmops chat --model sagemaker:<endpoint>", () => {
  it("streams the answer to stdout and prints stats to stderr", async () => {
    standIn = await startSageMakerRuntime({
      invokeEndpointWithResponseStream: (req) => {
        const body = req.json<{ inputs: string; parameters: Record<string, unknown> }>();
        expect(body.inputs).toContain("Be terse.");
        expect(body.inputs).toContain("What is S3?");
        expect(body.parameters.max_new_tokens).toBe(16);
        return {
          frames: lmiLines(["Object", " storage", "."]),
          contentType: "application/jsonlines",
        };
      },
    });
    const t = memoryIo();
    const code = await main(
      [
        "chat",
        "--model",
        "sagemaker:lmi-ep",
        "--format",
        "lmi",
        "--template",
        "llama3",
        "--endpoint-url",
        standIn.endpoint,
        "--system",
        "Be terse.",
        "--max-tokens",
        "16",
        "--stats",
        "What is S3?",
      ],
      t.io,
    );
    expect(t.stderr()).not.toContain("fmops chat:");
    expect(code).toBe(0);
    expect(t.stdout()).toBe("Object storage.\n");
    const stats = JSON.parse(t.stderr());
    expect(stats.model).toBe("sagemaker:lmi-ep");
    expect(stats.usage.outputTokens).toBe(3);
    expect(stats.latency.e2eMs).toBeGreaterThanOrEqual(0);
  });

  it("reads the prompt from stdin and supports --no-stream", async () => {
    standIn = await startSageMakerRuntime({
      invokeEndpoint: (req) => {
        expect(req.json<{ inputs: string }>().inputs).toContain("piped question");
        return { body: [{ generated_text: "piped answer" }] };
      },
    });
    const t = memoryIo("piped question\n");
    const code = await main(
      ["chat", "--model", "sagemaker:tgi-ep", "--endpoint-url", standIn.endpoint, "--no-stream"],
      t.io,
    );
    expect(code).toBe(0);
    expect(t.stdout()).toBe("piped answer\n");
  });

  it("exits 1 with the typed error when the endpoint fails", async () => {
    standIn = await startSageMakerRuntime({});
    const t = memoryIo();
    const code = await main(
      [
        "chat",
        "--model",
        "sagemaker:tgi-ep",
        "--endpoint-url",
        standIn.endpoint,
        "--no-stream",
        "hi",
      ],
      t.io,
    );
    expect(code).toBe(1);
    expect(t.stderr()).toMatch(/fmops chat: SageMakerRuntime\.InvokeEndpoint failed .*\[AWS_/);
  });
});
