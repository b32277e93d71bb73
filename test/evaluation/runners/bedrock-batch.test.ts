import { DeleteObjectCommand } from "@aws-sdk/client-s3";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  BatchJobFailedError,
  BedrockBatchRunner,
  type BedrockBatchRunnerOptions,
  type DatasetRecord,
  ModelEvaluator,
  QaAccuracy,
} from "../../../src/evaluation/index.js";
import {
  type BatchJobStatus,
  batchRecordId,
} from "../../../src/evaluation/runners/bedrock-batch-job.js";
import {
  type BedrockStandIn,
  type BedrockStandInOptions,
  startBedrock,
} from "../../emulators/bedrock.js";
import { type S3StandIn, standInError, startS3 } from "../../emulators/index.js";

const TITAN = '{"inputText": $prompt, "textGenerationConfig": {"maxTokenCount": 64}}';
const ROLE = "arn:aws:iam::123456789012:role/BedrockBatch";

let s3: S3StandIn;
let bedrock: BedrockStandIn | undefined;

beforeAll(async () => {
  s3 = await startS3({ buckets: ["batch"] });
});
afterEach(async () => {
  await bedrock?.close();
  bedrock = undefined;
});
afterAll(async () => {
  await s3.close();
});

/** A Titan-like model: answers `A<n>` for even questions, `wrong` for odd ones, fails on q13. */
function titan(input: unknown): unknown {
  const text = (input as { inputText: string }).inputText;
  const n = Number(/q(\d+)$/.exec(text)?.[1]);
  if (n === 13) {
    throw standInError({
      status: 400,
      type: "ValidationException",
      message: "Input is too long for the model",
    });
  }
  return {
    inputTextTokenCount: 4,
    results: [
      { tokenCount: 1, outputText: n % 2 === 0 ? `A${n}` : "wrong", completionReason: "FINISH" },
    ],
  };
}

async function standIn(options: Partial<BedrockStandInOptions> = {}): Promise<BedrockStandIn> {
  bedrock = await startBedrock({ s3, model: titan, ...options });
  return bedrock;
}

function records(count: number): DatasetRecord[] {
  return Array.from({ length: count }, (_, i) => ({
    index: i,
    line: i + 1,
    input: `q${i}`,
    targets: [`A${i}`],
    data: {},
  }));
}

function runner(extra: Partial<BedrockBatchRunnerOptions> = {}): BedrockBatchRunner {
  return new BedrockBatchRunner({
    modelId: "amazon.titan-text-express-v1",
    roleArn: ROLE,
    inputLocation: "s3://batch/in/",
    outputLocation: "s3://batch/out/",
    contentTemplate: TITAN,
    output: "results[0].outputText",
    prompt: "Q: {{input}}",
    bedrock: bedrock?.client,
    s3: s3.client,
    minDelayMs: 1,
    maxDelayMs: 5,
    ...extra,
  });
}

async function exists(key: string): Promise<boolean> {
  try {
    await s3.getObject("batch", key);
    return true;
  } catch {
    return false;
  }
}

describe("BedrockBatchRunner end to end", () => {
  it("writes the JSONL input, runs the job, and evaluates from its output file", async () => {
    const b = await standIn({ reverseOutput: true });
    const data = records(120);
    const job = await runner({ tags: { project: "eval" }, timeoutDurationInHours: 48 }).submit(
      data,
      {
        jobName: "eval-run-1",
        clientRequestToken: "token-1",
      },
    );

    // The input file, one record per line.
    const lines = new TextDecoder()
      .decode(await s3.getObject("batch", "in/eval-run-1.jsonl"))
      .trimEnd()
      .split("\n");
    expect(lines).toHaveLength(120);
    expect(JSON.parse(lines[7] ?? "")).toEqual({
      recordId: "00000000007",
      modelInput: { inputText: "Q: q7", textGenerationConfig: { maxTokenCount: 64 } },
    });

    // CreateModelInvocationJob as sent on the wire.
    const create = b.requests.find((r) => r.operation === "CreateModelInvocationJob");
    expect(create?.body).toEqual({
      jobName: "eval-run-1",
      roleArn: ROLE,
      modelId: "amazon.titan-text-express-v1",
      clientRequestToken: "token-1",
      inputDataConfig: {
        s3InputDataConfig: { s3Uri: "s3://batch/in/eval-run-1.jsonl", s3InputFormat: "JSONL" },
      },
      outputDataConfig: { s3OutputDataConfig: { s3Uri: "s3://batch/out/" } },
      timeoutDurationInHours: 48,
      tags: [{ key: "project", value: "eval" }],
    });
    const stored = [...b.jobs.values()][0];
    expect(job.jobArn).toBe(stored?.jobArn);
    expect(job.jobId).toBe(stored?.jobId);
    expect(job.recordCount).toBe(120);
    expect(job.outputLocation).toBe(`s3://batch/out/${job.jobId}/eval-run-1.jsonl.out`);

    const seen: (BatchJobStatus | undefined)[] = [];
    const info = await job.wait({ onPoll: (e) => seen.push(e.info?.status) });
    expect(seen).toEqual([
      "Submitted",
      "Validating",
      "Scheduled",
      "InProgress",
      "PartiallyCompleted",
    ]);
    expect(info).toMatchObject({
      status: "PartiallyCompleted",
      totalRecordCount: 120,
      successRecordCount: 119,
      errorRecordCount: 1,
    });
    expect(info.submitTime).toBeInstanceOf(Date);

    const results = await job.runner();
    expect(results.id).toBe("bedrock-batch:amazon.titan-text-express-v1");
    expect(results.size).toBe(120);
    expect(results.errorCount).toBe(1);
    await expect(results.run(data[13] as DatasetRecord)).rejects.toMatchObject({
      code: "BATCH_RECORD_FAILED",
      retryable: false,
      message: expect.stringContaining("400: Input is too long for the model"),
    });

    const out: string[] = [];
    const result = await new ModelEvaluator({
      runner: results,
      algorithms: [new QaAccuracy()],
      concurrency: 8,
    }).evaluate(data, {
      output: (line) => {
        out.push(line);
      },
    });
    expect(result.modelId).toBe("bedrock-batch:amazon.titan-text-express-v1");
    expect(result.numRecords).toBe(120);
    expect(result.numFailed).toBe(1);
    // 60 even questions answered right, 59 odd ones wrong (q13 failed).
    expect(result.scores.qa_accuracy?.exact_match_score?.mean).toBeCloseTo(60 / 119, 12);
    const failed = out.map((l) => JSON.parse(l)).find((r) => r.index === 13);
    expect(failed).toMatchObject({ attempts: 1, error: { code: "BATCH_RECORD_FAILED" } });
    const right = out.map((l) => JSON.parse(l)).find((r) => r.index === 42);
    expect(right).toMatchObject({ output: "A42" });
  });

  it("returns the same job for the same clientRequestToken, and attach() reads a job by ARN", async () => {
    const b = await standIn();
    const data = records(100);
    const first = await runner().submit(data, { jobName: "again", clientRequestToken: "same" });
    const second = await runner().submit(data, { jobName: "again", clientRequestToken: "same" });
    expect(second.jobArn).toBe(first.jobArn);
    expect(b.jobs.size).toBe(1);
    await first.wait();

    const attached = await runner().attach(first.jobArn);
    expect(attached.toJSON()).toEqual({
      jobArn: first.jobArn,
      jobId: first.jobId,
      jobName: "again",
      modelId: "amazon.titan-text-express-v1",
      inputLocation: "s3://batch/in/again.jsonl",
      outputLocation: first.outputLocation,
      recordCount: 100,
    });
    expect(attached.lastInfo?.status).toBe("PartiallyCompleted");
    const results = await attached.runner();
    expect(await results.run(data[4] as DatasetRecord)).toEqual({ output: "A4" });
    await expect(
      results.run({ index: 500, line: 501, input: "x", targets: [], data: {} }),
    ).rejects.toMatchObject({ code: "BATCH_RECORD_MISSING", retryable: false });
  });

  it("polls through throttling and reports each poll", async () => {
    const b = await standIn();
    const job = await runner().submit(records(100));
    b.failNext.push({ status: 429, type: "ThrottlingException", message: "Rate exceeded" });
    const events: { status?: string; error?: boolean }[] = [];
    await job.wait({
      onPoll: (e) => events.push({ status: e.info?.status, error: e.error !== undefined }),
    });
    expect(events[0]).toEqual({ status: undefined, error: true });
    expect(events.at(-1)).toEqual({ status: "PartiallyCompleted", error: false });
  });

  it("reads a log probability when asked, and the default job name fits Bedrock's pattern", async () => {
    const b = await standIn({
      model: (input) => ({
        generation: (input as { prompt: string }).prompt.toUpperCase(),
        logprobs: [-0.5, -0.5, -1],
      }),
    });
    const job = await runner({
      contentTemplate: '{"prompt": $prompt, "max_gen_len": 32}',
      output: "generation",
      logProbability: "logprobs",
      prompt: undefined,
    }).submit(records(100));
    expect(job.jobName).toMatch(/^fmops-eval-\d{14}-[0-9a-f]{8}$/);
    expect(b.jobs.get(job.jobId)?.jobName).toBe(job.jobName);
    await job.wait();
    const results = await job.runner();
    expect(await results.run(records(1)[0] as DatasetRecord)).toEqual({
      output: "Q0",
      logProbability: -2,
    });
  });
});

describe("BedrockBatchJob.wait ends", () => {
  it("stops the job when aborted", async () => {
    const b = await standIn({ stallAt: "InProgress" });
    const job = await runner().submit(records(100));
    const controller = new AbortController();
    const waiting = job.wait({
      signal: controller.signal,
      onPoll: (e) => {
        if (e.info?.status === "InProgress") controller.abort(new Error("user cancelled"));
      },
    });
    await expect(waiting).rejects.toMatchObject({
      code: "ABORTED",
      message: expect.stringMatching(
        /InProgress at the last poll, and was stopped with StopModelInvocationJob/,
      ),
    });
    expect(b.requests.filter((r) => r.operation === "StopModelInvocationJob")).toEqual([
      expect.objectContaining({ jobIdentifier: job.jobArn }),
    ]);
    expect(b.jobs.get(job.jobId)?.stopRequested).toBe(true);
    expect((await job.check()).status).toBe("Stopped");
    await expect(job.runner()).rejects.toBeInstanceOf(BatchJobFailedError);
  });

  it("stops the job at its deadline, or leaves it running with stopJob: false", async () => {
    const b = await standIn({ stallAt: "Scheduled" });
    const job = await runner().submit(records(100));
    // Each look moves the stand-in's job one status on: reach the stall first, so that the status
    // in the message does not depend on how many polls fit into the 60 ms on a busy machine.
    while ((await job.check()).status !== "Scheduled");
    await expect(job.wait({ timeoutMs: 60, minDelayMs: 5, maxDelayMs: 10 })).rejects.toMatchObject({
      code: "TIMEOUT",
      timeoutMs: 60,
      message: expect.stringMatching(
        /had not ended after \d+ ms .*Scheduled at the last poll, and was stopped/,
      ),
    });
    expect(b.jobs.get(job.jobId)?.status).toBe("Stopping");

    const other = await runner().submit(records(100));
    await expect(
      other.wait({ timeoutMs: 40, minDelayMs: 5, maxDelayMs: 10, stopJob: false }),
    ).rejects.toMatchObject({ code: "TIMEOUT", message: expect.stringContaining("left running") });
    expect(b.jobs.get(other.jobId)?.stopRequested).toBe(false);
    await expect(other.runner()).rejects.toMatchObject({ code: "BATCH_JOB_NOT_DONE" });
  });

  it("says when the stop itself failed", async () => {
    const b = await standIn({ stallAt: "Validating" });
    const job = await runner().submit(records(100));
    const controller = new AbortController();
    const waiting = job.wait({
      signal: controller.signal,
      onPoll: (e) => {
        if (e.info?.status === "Validating") {
          b.failNext.push({ status: 403, type: "AccessDeniedException", message: "not allowed" });
          controller.abort();
        }
      },
    });
    await expect(waiting).rejects.toMatchObject({
      code: "ABORTED",
      message: expect.stringMatching(/could not be stopped \(.*bedrock:StopModelInvocationJob.*\)/),
    });
  });

  it("throws BATCH_JOB_FAILED with the service's message for a failed job", async () => {
    await standIn({ failJob: () => "The role cannot read s3://batch/in/: access denied." });
    const job = await runner().submit(records(100));
    const error = await job.wait().catch((err: unknown) => err);
    expect(error).toBeInstanceOf(BatchJobFailedError);
    expect(error).toMatchObject({
      code: "BATCH_JOB_FAILED",
      retryable: false,
      status: "Failed",
      jobArn: job.jobArn,
      jobMessage: "The role cannot read s3://batch/in/: access denied.",
      message: expect.stringContaining("ended Failed: The role cannot read s3://batch/in/"),
    });
  });

  it("passes on the service's own validation failure (fewer records than its quota)", async () => {
    await standIn({ minRecords: 100 });
    const job = await runner({ minRecords: 10 }).submit(records(20));
    await expect(job.wait()).rejects.toMatchObject({
      code: "BATCH_JOB_FAILED",
      message: expect.stringContaining("less than the minimum of 100 records"),
    });
  });

  it("reports a missing output file clearly", async () => {
    await standIn();
    const job = await runner().submit(records(100));
    await job.wait();
    const { key } = { key: job.outputLocation.slice("s3://batch/".length) };
    await s3.client.send(new DeleteObjectCommand({ Bucket: "batch", Key: key }));
    await expect(job.runner()).rejects.toMatchObject({
      code: "BATCH_OUTPUT_MISSING",
      message: expect.stringContaining(job.outputLocation),
    });
  });
});

describe("BedrockBatchRunner validation", () => {
  it("refuses too few records before uploading or creating anything", async () => {
    const b = await standIn();
    await expect(runner().submit(records(99), { jobName: "small" })).rejects.toMatchObject({
      code: "VALIDATION_ERROR",
      message: expect.stringMatching(/has 99 records, but a Bedrock batch job needs at least 100/),
      issues: [{ path: "dataset", message: "fewer than 100 records" }],
    });
    expect(await exists("in/small.jsonl")).toBe(false);
    expect(b.requests).toHaveLength(0);
  });

  it("refuses too many records, too large a file, and duplicate indexes", async () => {
    const b = await standIn();
    await expect(runner({ minRecords: 1, maxRecords: 5 }).submit(records(6))).rejects.toThrow(
      /more than 5 records/,
    );
    await expect(runner({ minRecords: 1, maxInputBytes: 500 }).submit(records(10))).rejects.toThrow(
      /would exceed 500 bytes .* at line \d+/,
    );
    const twice = [...records(2), ...records(1)];
    await expect(runner({ minRecords: 1 }).submit(twice)).rejects.toThrow(
      /Two records have index 0/,
    );
    expect(b.requests).toHaveLength(0);
  });

  it("does nothing when already aborted", async () => {
    const b = await standIn();
    await expect(
      runner().submit(records(100), { signal: AbortSignal.abort(), jobName: "never" }),
    ).rejects.toMatchObject({ code: "ABORTED" });
    expect(await exists("in/never.jsonl")).toBe(false);
    expect(b.requests).toHaveLength(0);
  });

  it.each<[Partial<BedrockBatchRunnerOptions>, RegExp]>([
    [{ roleArn: "BedrockBatch" }, /roleArn: must be an IAM role ARN/],
    [{ inputLocation: "batch/in/" }, /inputLocation/],
    [{ outputLocation: "https://batch/out" }, /outputLocation/],
    [{ jobName: "has space" }, /jobName: must be a Bedrock job name/],
    [{ timeoutDurationInHours: 12 }, /timeoutDurationInHours/],
    [{ minRecords: 10, maxRecords: 5 }, /minRecords: must be at most maxRecords/],
    [{ contentTemplate: '{"inputText": "$prompt"}' }, /contentTemplate is not valid JSON/],
    [{ tags: { "bad,key": "v" } }, /tags/],
    [{ tags: { "aws:createdBy": "me" } }, /tags: aws:createdBy: the "aws:" prefix is reserved/],
    [{ minDelayMs: 50, maxDelayMs: 10 }, /maxDelayMs/],
  ])("rejects %j", (options, message) => {
    expect(() => runner(options)).toThrow(
      expect.objectContaining({
        code: "VALIDATION_ERROR",
        message: expect.stringMatching(message),
      }),
    );
  });

  it("rejects a bad job name or token given to submit()", async () => {
    await standIn();
    await expect(runner().submit(records(100), { jobName: "x".repeat(64) })).rejects.toThrow(
      /jobName/,
    );
    await expect(
      runner().submit(records(100), { clientRequestToken: "no spaces allowed" }),
    ).rejects.toThrow(/clientRequestToken/);
  });

  it("pads record ids to 11 characters", () => {
    expect(batchRecordId(0)).toBe("00000000000");
    expect(batchRecordId(49_999)).toBe("00000049999");
  });
});
