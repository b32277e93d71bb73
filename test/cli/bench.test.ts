import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { benchCommand, parsePromptsJsonl, progressBar } from "../../src/cli/bench.js";
import { parseRecordsJsonl } from "../../src/monitoring/jsonl-sink.js";
import {
  type SageMakerRuntimeStandIn,
  startSageMakerRuntime,
  testCredentials,
} from "../emulators/index.js";
import { memoryIo } from "./cli-io.js";

let standIn: SageMakerRuntimeStandIn | undefined;
let dir: string;

beforeEach(() => {
  vi.stubEnv("AWS_ACCESS_KEY_ID", testCredentials.accessKeyId);
  vi.stubEnv("AWS_SECRET_ACCESS_KEY", testCredentials.secretAccessKey);
  vi.stubEnv("AWS_REGION", "us-east-1");
  dir = mkdtempSync(join(tmpdir(), "fmops-bench-"));
});
afterEach(async () => {
  vi.unstubAllEnvs();
  await standIn?.close();
  standIn = undefined;
  rmSync(dir, { recursive: true, force: true });
});

describe("fmops bench", () => {
  it("load-tests a SageMaker endpoint with a progress bar, a table, JSONL and HTML", async () => {
    standIn = await startSageMakerRuntime({
      invokeEndpointWithResponseStream: () => ({
        frames: ["Lakes", " are", " deep"].map((text, i) => ({
          payload: `${JSON.stringify({ token: { id: i, text, log_prob: -1 } })}\n`,
        })),
        contentType: "application/jsonlines",
      }),
    });
    const prompts = join(dir, "prompts.jsonl");
    writeFileSync(prompts, '"What is a lake?"\n{"prompt": "How deep?"}\n');
    const t = memoryIo();
    const code = await benchCommand.run(
      [
        "--model",
        "sagemaker:lmi-ep",
        "--format",
        "lmi",
        "--endpoint-url",
        standIn.endpoint,
        "--prompts",
        prompts,
        "--concurrency",
        "1,2",
        "--requests",
        "4",
        "--jsonl",
        join(dir, "calls.jsonl"),
        "--html",
        join(dir, "report.html"),
      ],
      t.io,
    );
    expect(t.stderr()).toContain("100% 8/8");
    expect(code).toBe(0);
    const lines = t.stdout().trim().split("\n");
    expect(lines[0]).toContain("ttft_p50");
    expect(lines.slice(1).map((l) => l.trim().split(/\s+/).slice(0, 3))).toEqual([
      ["1", "4", "0"],
      ["2", "4", "0"],
    ]);
    const records = parseRecordsJsonl(readFileSync(join(dir, "calls.jsonl"), "utf8"));
    expect(records).toHaveLength(8);
    expect(records[0]).toMatchObject({
      modelId: "sagemaker:lmi-ep",
      status: "ok",
      outputTokens: 3,
    });
    expect(readFileSync(join(dir, "report.html"), "utf8")).toContain("<svg");
  });

  it("exits 1 and says why the failed calls failed, by reason (issue #17)", async () => {
    // A stand-in with no streaming handler answers every call with a service error.
    standIn = await startSageMakerRuntime({});
    const prompts = join(dir, "prompts.jsonl");
    writeFileSync(prompts, '"What is a lake?"\n');
    const t = memoryIo();
    const code = await benchCommand.run(
      [
        "--model",
        "sagemaker:lmi-ep",
        "--format",
        "lmi",
        "--endpoint-url",
        standIn.endpoint,
        "--prompts",
        prompts,
        "--concurrency",
        "1",
        "--requests",
        "3",
      ],
      t.io,
    );
    expect(code).toBe(1);
    expect(t.stdout()).toMatch(/\n\s+1\s+3\s+3\s/);
    expect(t.stderr()).toContain("3 of 3 calls failed. By reason:");
    expect(t.stderr()).toMatch(/^ {2}AWS_[A-Z_]+ {2}3$/m);
  });

  it("parses prompt files and rejects bad lines", () => {
    expect(parsePromptsJsonl('"a"\n\n{"messages":[{"role":"user","content":"b"}]}', 8)).toEqual([
      { messages: [{ role: "user", content: "a" }], maxTokens: 8 },
      { messages: [{ role: "user", content: "b" }], maxTokens: 8 },
    ]);
    expect(() => parsePromptsJsonl("{nope")).toThrow(/line 1/);
    expect(() => parsePromptsJsonl("42")).toThrow(/line 1/);
  });

  it("draws a progress bar", () => {
    const bar = progressBar(
      {
        config: "m",
        concurrency: 4,
        done: 5,
        total: 10,
        overallDone: 5,
        overallTotal: 10,
        errors: 1,
      },
      10,
    );
    expect(bar).toBe("\r[#####.....]  50% 5/10 concurrency=4 errors=1");
  });

  it("requires --model and --prompts", async () => {
    await expect(benchCommand.run(["--prompts", "x"], memoryIo().io)).rejects.toThrow(/--model/);
  });
});
