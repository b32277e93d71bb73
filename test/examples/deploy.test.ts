/**
 * Tests for the GPU endpoint deployment artifacts in examples/deploy/: every deploy script's
 * dry-run requests (schemas of the API references, and the real SDK serializing them), a real run
 * against the local SageMaker stand-in, the artifacts' syntax (serving.properties, config.pbtxt,
 * Dockerfile, model.tar.gz), and the handler code that runs without a GPU (the custom container's
 * server, the Triton Python model, the LMI input formatter).
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { gunzipSync } from "node:zlib";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main as asyncMain } from "../../examples/deploy/async-scale-to-zero/deploy.js";
import { main as customMain } from "../../examples/deploy/custom-container/deploy.js";
import { main as lmiMain } from "../../examples/deploy/lmi-streaming/deploy.js";
import { findPlaceholders } from "../../examples/deploy/shared/cli.js";
import { isMessage, type PbMessage, parsePbtxt } from "../../examples/deploy/shared/pbtxt.js";
import type { DryRunLine } from "../../examples/deploy/shared/plan.js";
import { formatProperties, parseProperties } from "../../examples/deploy/shared/properties.js";
import { REQUIRED_TAG_KEYS } from "../../examples/deploy/shared/tags.js";
import { createTar, createTarGz } from "../../examples/deploy/shared/tar.js";
import { main as tgiMain } from "../../examples/deploy/tgi-streaming/deploy.js";
import {
  MODEL_REPOSITORY,
  main as tritonMain,
} from "../../examples/deploy/triton-multi-model/deploy.js";
import { main as sdMain } from "../../examples/deploy/triton-stable-diffusion/deploy.js";
import type { StreamEvent } from "../../src/streaming/index.js";
import { decodeLmi, decodeResponseStream, LineIterator } from "../../src/streaming/index.js";
import { type StandInEndpoint, standInError, startSageMaker } from "../emulators/index.js";
import { lintDockerfile } from "./deploy/dockerfile-lint.js";
import { REQUEST_SCHEMAS, serializeWithSdk } from "./deploy/request-schemas.js";
import { type DeployMain, dryRun, runMain } from "./deploy/run-cli.js";

const ROOT = new URL("../../examples/deploy/", import.meta.url).pathname;
const HARNESS = new URL("./deploy/", import.meta.url).pathname;

const SCRIPTS: Record<string, { main: DeployMain; commands: string[][] }> = {
  "lmi-streaming": { main: lmiMain, commands: [[], ["cleanup"]] },
  "tgi-streaming": {
    main: tgiMain,
    commands: [[], ["--quantize", "bitsandbytes-nf4"], ["cleanup"]],
  },
  "async-scale-to-zero": { main: asyncMain, commands: [[], ["cleanup"]] },
  "triton-multi-model": { main: tritonMain, commands: [[], ["invoke"], ["cleanup"]] },
  "custom-container": { main: customMain, commands: [[], ["cleanup"]] },
  "triton-stable-diffusion": { main: sdMain, commands: [[], ["invoke"], ["cleanup"]] },
};

const CREATES = new Set([
  "CreateModel",
  "CreateEndpointConfig",
  "CreateEndpoint",
  "PutMetricAlarm",
]);

function bodyText(body: unknown): string {
  if (typeof body === "string") return body;
  return body instanceof Uint8Array ? new TextDecoder().decode(body) : "";
}

function python(script: string, input: unknown): unknown {
  const out = execFileSync("python3", [script], { input: JSON.stringify(input), encoding: "utf8" });
  return JSON.parse(out);
}

describe("dry-run requests", () => {
  for (const [example, { main, commands }] of Object.entries(SCRIPTS)) {
    for (const argv of commands) {
      it(`${example} ${argv.join(" ") || "deploy"}: each request fits the API and the SDK serializes it`, async () => {
        const lines = await dryRun(main, argv);
        expect(lines.length).toBeGreaterThan(0);
        for (const line of lines) {
          const schema = REQUEST_SCHEMAS[line.operation];
          expect(schema, line.operation).toBeDefined();
          const checked = schema?.safeParse(line.input);
          expect(
            checked?.success ? "" : JSON.stringify(checked?.error.issues),
            line.operation,
          ).toBe("");

          const request = await serializeWithSdk(line);
          const target = request.headers["x-amz-target"];
          if (line.service === "SageMaker" || line.service === "ApplicationAutoScaling") {
            expect(target).toMatch(new RegExp(`\\.${line.operation}$`));
            expect(JSON.parse(bodyText(request.body))).toEqual(line.input);
          } else if (line.service === "CloudWatch") {
            expect(
              `${request.path} ${bodyText(request.body)} ${JSON.stringify(request.headers)}`,
            ).toContain(line.operation);
          } else if (line.service === "S3") {
            expect(request.method).toBe("PUT");
            expect(decodeURIComponent(request.path)).toBe(
              `/${line.input.Bucket}/${line.input.Key}`,
            );
            expect(request.headers["x-amz-tagging"]).toBe(line.input.Tagging);
          } else if (line.service === "SageMakerRuntime") {
            expect(request.headers["x-amzn-sagemaker-target-model"]).toBe(line.input.TargetModel);
          }
          if (CREATES.has(line.operation)) {
            const keys = (line.input.Tags as { Key: string }[]).map((t) => t.Key);
            for (const key of REQUIRED_TAG_KEYS) expect(keys, line.operation).toContain(key);
            expect(line.input.Tags).toContainEqual({ Key: "fmops:example", Value: example });
          }
        }
      });
    }
  }

  it("deploys in dependency order and waits with a bound", async () => {
    const ops = (await dryRun(lmiMain)).map((l) => l.operation);
    expect(ops).toEqual([
      "PutObject",
      "CreateModel",
      "CreateEndpointConfig",
      "CreateEndpoint",
      "DescribeEndpoint",
    ]);
    const wait = (await dryRun(tgiMain, ["--wait-minutes", "20"])).at(-1) as DryRunLine;
    expect(wait).toMatchObject({ waiter: "EndpointInService", maxWaitSeconds: 1200 });
    expect((await dryRun(tgiMain, ["--skip-wait"])).map((l) => l.operation)).not.toContain(
      "DescribeEndpoint",
    );
  });

  it("lmi-streaming uploads exactly the archive `package` writes, with a valid serving.properties", async () => {
    const dir = await mkdtemp(join(tmpdir(), "fmops-lmi-"));
    try {
      const run = await runMain(lmiMain, [
        "package",
        "--out",
        dir,
        "--tensor-parallel-degree",
        "4",
        "--instance-type",
        "ml.g5.12xlarge",
      ]);
      expect(run.code).toBe(0);
      const archive = await readFile(join(dir, "model.tar.gz"));
      const upload = (
        await dryRun(lmiMain, [
          "--tensor-parallel-degree",
          "4",
          "--instance-type",
          "ml.g5.12xlarge",
        ])
      )[0];
      expect((upload?.input.Body as { sha256?: string } | undefined)?.sha256).toBe(
        createHash("sha256").update(archive).digest("hex"),
      );
      const listed = python(join(HARNESS, "read_tar.py"), {
        path: join(dir, "model.tar.gz"),
      }) as Record<string, string>;
      expect(Object.keys(listed).sort()).toEqual(["model.py", "serving.properties"]);
      const props = parseProperties(listed["serving.properties"] as string);
      expect(props.get("engine")).toBe("Python");
      expect(props.get("option.rolling_batch")).toBe("vllm");
      expect(props.get("option.output_formatter")).toBe("jsonlines");
      expect(props.get("option.tensor_parallel_degree")).toBe("4");
      expect(props.get("option.model_id")).toMatch(/7B-Instruct/);
      expect(listed["model.py"]).toBe(await readFile(join(ROOT, "lmi-streaming/model.py"), "utf8"));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("rejects a tensor-parallel degree or GPU count the instance cannot hold", async () => {
    const lmi = await runMain(lmiMain, ["--dry-run", "--tensor-parallel-degree", "2"]);
    expect(lmi.code).toBe(1);
    expect(lmi.stderr.join("")).toMatch(
      /tensor_parallel_degree=2 needs 2 GPUs but ml\.g5\.2xlarge has 1/,
    );
    const tgi = await runMain(tgiMain, ["--dry-run", "--num-gpus", "4"]);
    expect(tgi.stderr.join("")).toMatch(/--num-gpus 4 is more than the 1 GPU/);
  });

  it("tgi-streaming sets the TGI environment and the health-check timeout", async () => {
    const lines = await dryRun(tgiMain, [
      "--quantize",
      "fp8",
      "--max-input-tokens",
      "2048",
      "--max-total-tokens",
      "4096",
      "--health-check-timeout",
      "900",
      "--instance-type",
      "ml.g5.12xlarge",
    ]);
    const model = lines.find((l) => l.operation === "CreateModel")?.input as {
      PrimaryContainer: { Environment: Record<string, string> };
    };
    expect(model.PrimaryContainer.Environment).toEqual({
      HF_MODEL_ID: "Qwen/Qwen2.5-7B-Instruct",
      SM_NUM_GPUS: "4",
      MAX_INPUT_TOKENS: "2048",
      MAX_TOTAL_TOKENS: "4096",
      MAX_BATCH_PREFILL_TOKENS: "4096",
      HF_MODEL_QUANTIZE: "fp8",
    });
    const config = lines.find((l) => l.operation === "CreateEndpointConfig")?.input as {
      ProductionVariants: Record<string, unknown>[];
    };
    expect(config.ProductionVariants[0]).toMatchObject({
      ContainerStartupHealthCheckTimeoutInSeconds: 900,
      InstanceType: "ml.g5.12xlarge",
    });
    for (const [argv, message] of [
      [["--quantize", "int3"], /quantize/],
      [["--max-input-tokens", "9000"], /max-input-tokens/],
      [["--tag", "aws:owner=me"], /aws:/],
      [["--name", "bad_name"], /--name/],
      [["--bogus"], /bogus/],
      [["destroy"], /Unknown command/],
    ] as const) {
      const run = await runMain(tgiMain, ["--dry-run", ...argv]);
      expect(run.code, argv.join(" ")).toBe(1);
      expect(run.stderr.join("")).toMatch(message);
    }
  });

  it("async-scale-to-zero scales between 0 and N and wakes from zero on HasBacklogWithoutCapacity", async () => {
    const lines = await dryRun(asyncMain, ["--max-capacity", "3"]);
    const byOp = (op: string) => lines.filter((l) => l.operation === op).map((l) => l.input);
    const config = byOp("CreateEndpointConfig")[0] as Record<string, unknown>;
    expect(config.AsyncInferenceConfig).toMatchObject({
      ClientConfig: { MaxConcurrentInvocationsPerInstance: 4 },
      OutputConfig: {
        S3OutputPath: expect.stringMatching(/^s3:/),
        S3FailurePath: expect.stringMatching(/^s3:/),
      },
    });
    expect(byOp("RegisterScalableTarget")[0]).toMatchObject({ MinCapacity: 0, MaxCapacity: 3 });
    const [tracking, step] = byOp("PutScalingPolicy") as Record<string, Record<string, unknown>>[];
    expect(tracking?.TargetTrackingScalingPolicyConfiguration).toMatchObject({
      CustomizedMetricSpecification: {
        MetricName: "ApproximateBacklogSizePerInstance",
        Namespace: "AWS/SageMaker",
      },
    });
    expect(step?.PolicyType).toBe("StepScaling");
    const alarm = byOp("PutMetricAlarm")[0] as Record<string, unknown>;
    expect(alarm).toMatchObject({
      MetricName: "HasBacklogWithoutCapacity",
      AlarmActions: ["<scale-from-zero.PolicyARN>"],
    });
    // The scalable target can only be registered once the endpoint is InService.
    const ops = lines.map((l) => l.operation);
    expect(ops.indexOf("DescribeEndpoint")).toBeLessThan(ops.indexOf("RegisterScalableTarget"));
    expect((await dryRun(asyncMain, ["cleanup", "--skip-wait"])).map((l) => l.operation)).toEqual([
      "DeleteScalingPolicy",
      "DeleteScalingPolicy",
      "DeregisterScalableTarget",
      "DeleteAlarms",
      "DeleteEndpoint",
      "DeleteEndpointConfig",
      "DeleteModel",
    ]);
    const same = await runMain(asyncMain, [
      "--dry-run",
      "--output-path",
      "s3://b/x/",
      "--failure-path",
      "s3://b/x/",
    ]);
    expect(same.stderr.join("")).toMatch(/--failure-path must differ/);
  });

  it("triton-multi-model creates a MultiModel endpoint over the prefix the archives go to", async () => {
    const lines = await dryRun(tritonMain, ["--model-prefix", "s3://models/triton"]);
    const upload = lines.find((l) => l.operation === "PutObject")?.input;
    expect(upload).toMatchObject({ Bucket: "models", Key: "triton/extractive_summary.tar.gz" });
    const model = lines.find((l) => l.operation === "CreateModel")?.input;
    expect(model?.PrimaryContainer).toMatchObject({
      Mode: "MultiModel",
      ModelDataUrl: "s3://models/triton/",
    });
    const invoke = (await dryRun(tritonMain, ["invoke", "--text", "One. Two."]))[0]?.input as {
      Body: { text: string };
    };
    expect(JSON.parse(invoke.Body.text).inputs[0]).toEqual({
      name: "TEXT",
      shape: [1, 1],
      datatype: "BYTES",
      data: ["One. Two."],
    });
  });

  it("refuses a real deploy while placeholders remain, naming the flags", async () => {
    for (const main of [lmiMain, tgiMain, asyncMain, tritonMain, customMain]) {
      const run = await runMain(main, []);
      expect(run.code).toBe(1);
      expect(run.stderr.join("")).toMatch(/placeholders.*--role-arn.*--image/);
    }
    expect(findPlaceholders({ roleArn: "arn:aws:iam::1:role/r", modelPy: "a <b> c\nd" })).toEqual(
      [],
    );
  });
});

describe("a real run against the SageMaker stand-in", () => {
  function controlPlane(statuses: string[], failureReason?: string) {
    const endpoints = new Map<string, StandInEndpoint>();
    const created = new Set<string>();
    return startSageMaker({
      describeEndpoint: (name) => {
        const e = endpoints.get(name);
        if (!e) return undefined;
        const status = statuses.length > 1 ? (statuses.shift() as string) : statuses[0];
        return { ...e, status, ...(status === "Failed" && failureReason ? { failureReason } : {}) };
      },
      operation: (op, input) => {
        const kind = op.replace(/^(Create|Delete)/, "");
        const key = String(input[`${kind}Name`]);
        if (op.startsWith("Create")) {
          if (created.has(`${op}:${key}`)) {
            return standInError({
              status: 400,
              type: "ValidationException",
              message: `Cannot create already existing ${key}`,
            });
          }
          created.add(`${op}:${key}`);
          if (op === "CreateEndpoint") endpoints.set(key, {});
          return { [`${op.slice(6)}Arn`]: `arn:aws:sagemaker:us-east-1:123456789012:${key}` };
        }
        if (op.startsWith("Delete")) {
          if (!created.delete(`Create${kind}:${key}`)) {
            return standInError({
              status: 400,
              type: "ValidationException",
              message: `Could not find ${kind} "${key}".`,
            });
          }
          if (kind === "Endpoint") endpoints.delete(key);
          return {};
        }
        return undefined;
      },
    });
  }
  const real = [
    "--image",
    "registry.invalid/tgi:test",
    "--role-arn",
    "arn:aws:iam::123456789012:role/Test",
    "--poll-seconds",
    "0.01",
  ];

  it("creates, waits for InService, and cleans up (twice, idempotently)", async () => {
    const sm = await controlPlane(["Creating", "Creating", "InService"]);
    try {
      const clients = () => ({ sagemaker: sm.client }) as never;
      const deploy = await runMain(tgiMain, real, { clients });
      expect(deploy.stderr).toEqual([]);
      expect(deploy.code).toBe(0);
      expect(sm.requests.map((r) => r.operation)).toEqual([
        "CreateModel",
        "CreateEndpointConfig",
        "CreateEndpoint",
        "DescribeEndpoint",
        "DescribeEndpoint",
        "DescribeEndpoint",
      ]);
      expect(sm.requests[0]?.input.Tags).toContainEqual({
        Key: "fmops:example",
        Value: "tgi-streaming",
      });
      sm.requests.length = 0;
      expect((await runMain(tgiMain, ["cleanup", ...real], { clients })).code).toBe(0);
      expect(sm.requests.map((r) => r.operation)).toEqual([
        "DeleteEndpoint",
        "DescribeEndpoint",
        "DeleteEndpointConfig",
        "DeleteModel",
      ]);
      const again = await runMain(tgiMain, ["cleanup", ...real], { clients });
      expect(again.code).toBe(0);
      expect(again.stdout.filter((l) => l.includes("already gone"))).toHaveLength(3);
    } finally {
      await sm.close();
    }
  });

  it("reports a Failed endpoint with SageMaker's reason", async () => {
    const sm = await controlPlane(
      ["Creating", "Failed"],
      "CUDA out of memory while loading the model",
    );
    try {
      const run = await runMain(tgiMain, real, {
        clients: () => ({ sagemaker: sm.client }) as never,
      });
      expect(run.code).toBe(1);
      expect(run.stderr.join("")).toMatch(/ENDPOINT_FAILED.*CUDA out of memory.*CloudWatch Logs/);
    } finally {
      await sm.close();
    }
  });

  it("stops waiting at the bound with a TIMEOUT error", async () => {
    const sm = await controlPlane(["Creating"]);
    try {
      const run = await runMain(tgiMain, [...real, "--wait-minutes", "0.003"], {
        clients: () => ({ sagemaker: sm.client }) as never,
      });
      expect(run.code).toBe(1);
      expect(run.stderr.join("")).toMatch(/\[TIMEOUT\].*fmops-tgi-streaming/);
    } finally {
      await sm.close();
    }
  });

  it("stops at an AWS error, wrapped with the operation and IAM action", async () => {
    const sm = await controlPlane(["InService"]);
    try {
      const clients = () => ({ sagemaker: sm.client }) as never;
      expect((await runMain(tgiMain, real, { clients })).code).toBe(0);
      const twice = await runMain(tgiMain, real, { clients });
      expect(twice.code).toBe(1);
      expect(twice.stderr.join("")).toMatch(/SageMaker\.CreateModel failed.*ValidationException/);
    } finally {
      await sm.close();
    }
  });
});

describe("model.tar.gz writer", () => {
  /** A ustar reader with checksum verification, independent of the writer. */
  function readTar(bytes: Uint8Array): Map<string, Uint8Array> {
    const files = new Map<string, Uint8Array>();
    const text = (b: Uint8Array) => new TextDecoder().decode(b).replace(/\0.*$/s, "");
    for (let at = 0; at + 512 <= bytes.length; ) {
      const header = bytes.subarray(at, at + 512);
      if (header.every((b) => b === 0)) break;
      let sum = 0;
      for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 32 : (header[i] as number);
      expect(Number.parseInt(text(header.subarray(148, 156)), 8)).toBe(sum);
      expect(text(header.subarray(257, 263))).toBe("ustar");
      const size = Number.parseInt(text(header.subarray(124, 136)), 8);
      const prefix = text(header.subarray(345, 500));
      const name = text(header.subarray(0, 100));
      files.set(prefix ? `${prefix}/${name}` : name, bytes.slice(at + 512, at + 512 + size));
      at += 512 + Math.ceil(size / 512) * 512;
    }
    return files;
  }
  const segment = fc
    .stringMatching(/^[A-Za-z0-9_-][A-Za-z0-9_.-]{0,40}$/)
    .filter((s) => s !== "." && s !== "..");
  const entries = fc
    .uniqueArray(
      fc.record({
        path: fc.array(segment, { minLength: 1, maxLength: 5 }).map((p) => p.join("/")),
        data: fc.uint8Array({ maxLength: 1500 }),
      }),
      { selector: (e) => e.path, maxLength: 6 },
    )
    .filter((list) => list.every((e) => e.path.length <= 250));

  it("round-trips any set of files (property)", () => {
    fc.assert(
      fc.property(entries, (list) => {
        const read = readTar(new Uint8Array(gunzipSync(createTarGz(list))));
        expect([...read.keys()]).toEqual(list.map((e) => e.path));
        for (const e of list) expect(read.get(e.path)).toEqual(e.data);
      }),
    );
  });

  it("writes archives Python's tarfile reads back identically", async () => {
    const dir = await mkdtemp(join(tmpdir(), "fmops-tar-"));
    try {
      const samples = fc.sample(
        entries.filter((l) => l.length > 0),
        { numRuns: 20, seed: 7 },
      );
      const jobs = [];
      for (const [i, list] of samples.entries()) {
        const path = join(dir, `${i}.tar.gz`);
        await writeFile(path, createTarGz(list));
        jobs.push({
          path,
          expected: Object.fromEntries(
            list.map((e) => [e.path, createHash("sha256").update(e.data).digest("hex")]),
          ),
        });
      }
      const result = python(join(HARNESS, "read_tar.py"), { jobs }) as { mismatches: string[] };
      expect(result.mismatches).toEqual([]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("rejects unsafe or unrepresentable paths", () => {
    for (const path of ["/abs", "a/../b", "a//b", "", `${"x".repeat(101)}`]) {
      expect(() => createTar([{ path, data: "x" }]), path).toThrow(/archive path/);
    }
    expect(() =>
      createTar([
        { path: "a", data: "1" },
        { path: "a", data: "2" },
      ]),
    ).toThrow(/twice/);
  });
});

describe("artifact syntax", () => {
  it("serving.properties parses strictly and round-trips (property)", async () => {
    const props = parseProperties(
      await readFile(join(ROOT, "lmi-streaming/serving.properties"), "utf8"),
    );
    expect([...props.keys()].every((k) => k === "engine" || k.startsWith("option."))).toBe(true);
    expect(props.get("option.max_rolling_batch_size")).toMatch(/^\d+$/);
    fc.assert(
      fc.property(
        fc.uniqueArray(
          fc.tuple(
            fc.stringMatching(/^[A-Za-z][A-Za-z0-9_.-]{0,20}$/),
            // Values that read back the same: no line break, no trailing backslash, no edge
            // whitespace (stripping the backslashes can expose a space, so trim last).
            fc.string({ maxLength: 30 }).map((s) =>
              s
                .replace(/[\r\n]/g, "")
                .replace(/[\s\\]+$/, "")
                .trim(),
            ),
          ),
          { selector: ([k]) => k },
        ),
        (pairs) => {
          const map = new Map(pairs);
          expect(parseProperties(formatProperties(map))).toEqual(map);
        },
      ),
    );
    expect(() => parseProperties("a=1\na=2")).toThrow(/set twice/);
    expect(() => parseProperties("option.x")).toThrow(/no "="/);
    expect(() => formatProperties(new Map([["a", "C:\\"]]))).toThrow(/backslash/);
    expect(() => formatProperties(new Map([["a", "! "]]))).toThrow(/whitespace/);
  });

  it("config.pbtxt is a valid Python-backend Triton config for its folder", async () => {
    const config = parsePbtxt(
      await readFile(join(MODEL_REPOSITORY, "extractive_summary/config.pbtxt"), "utf8"),
    );
    expect(config.name).toEqual(["extractive_summary"]);
    expect(config.backend).toEqual(["python"]);
    const tensors = (field: string) => (config[field] ?? []).filter(isMessage) as PbMessage[];
    expect(tensors("input").map((t) => t.name?.[0])).toEqual(["TEXT", "MAX_SENTENCES"]);
    for (const t of [...tensors("input"), ...tensors("output")]) {
      expect((t.data_type?.[0] as { enum?: string } | undefined)?.enum).toMatch(
        /^TYPE_(STRING|INT32)$/,
      );
      expect(t.dims?.every((d) => typeof d === "number")).toBe(true);
    }
    const kinds = tensors("instance_group").map((g) => (g.kind?.[0] as { enum?: string })?.enum);
    expect(kinds.every((k) => ["KIND_CPU", "KIND_GPU", "KIND_AUTO"].includes(String(k)))).toBe(
      true,
    );
    const params = Object.fromEntries(
      tensors("parameters").map((p) => [
        p.key?.[0],
        ((p.value?.[0] as PbMessage | undefined)?.string_value ?? [])[0],
      ]),
    );
    expect(params.EXECUTION_ENV_PATH).toBe("$$TRITON_MODEL_DIRECTORY/python_env.tar.gz");
  });

  it("the pbtxt parser reads any quoted string back and reports errors with line numbers", () => {
    fc.assert(
      fc.property(
        fc.string({ maxLength: 40 }).filter((s) => !/[\r\n]/.test(s)),
        (s) => {
          const quoted = `"${s.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;
          expect(parsePbtxt(`a: ${quoted}\nb { c: [1, 2.5, -3] d: TYPE_X }`)).toEqual(
            Object.assign(Object.create(null), {
              a: [s],
              b: [Object.assign(Object.create(null), { c: [1, 2.5, -3], d: [{ enum: "TYPE_X" }] })],
            }),
          );
        },
      ),
    );
    expect(() => parsePbtxt('name: "x"\ninput [ { name: "a" ')).toThrow(/line 2/);
    expect(() => parsePbtxt('name: "x\nbackend')).toThrow(/unterminated/);
  });

  it("the custom container's Dockerfile passes the serving lint rules, and the rules catch mistakes", async () => {
    const dir = join(ROOT, "custom-container");
    const text = await readFile(join(dir, "Dockerfile"), "utf8");
    expect(lintDockerfile(text, dir)).toEqual([]);
    const broken: [string, string][] = [
      [text.replace(/^FROM .*$/m, "FROM python"), "pinned-base"],
      [`RUN echo hi\n${text}`, "from-first"],
      [text.replace("EXPOSE 8080", "EXPOSE 80"), "expose-8080"],
      [text.replace('ENTRYPOINT ["serve"]', "ENTRYPOINT serve"), "exec-form"],
      [
        text.replace('ENTRYPOINT ["serve"]', 'ENTRYPOINT ["python3", "app.py"]'),
        "serve-entrypoint",
      ],
      [`${text}\nADD https://example.com/x.tgz /opt/`, "no-add-url"],
      [`${text}\nENV HF_TOKEN=abc`, "no-secrets"],
      [text.replace("USER 1000:1000", "USER root"), "non-root"],
      [text.replace("COPY serve inference.py ./", "COPY serve missing.py ./"), "copy-source"],
      [`${text}\nRUN apt-get install -y curl`, "apt-slim"],
    ];
    for (const [variant, rule] of broken)
      expect(lintDockerfile(variant, dir).join("\n"), rule).toContain(rule);
  });
});

describe("handlers that run without a GPU", () => {
  let server: ChildProcess;
  let base: string;

  beforeAll(async () => {
    server = spawn(
      "python3",
      [
        join(ROOT, "custom-container/serve"),
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        "0",
        "--model-dir",
        join(ROOT, "custom-container/model"),
      ],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    const first = await new Promise<string>((resolve, reject) => {
      const lines = createInterface({ input: server.stdout as NodeJS.ReadableStream });
      lines.once("line", resolve);
      server.once("exit", (code) => reject(new Error(`serve exited with ${code}`)));
    });
    base = (JSON.parse(first) as { listening: string }).listening;
  });

  afterAll(() => {
    server?.kill();
  });

  const invoke = (body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${base}/invocations`, {
      method: "POST",
      headers: { "content-type": "application/json", ...headers },
      body: JSON.stringify(body),
    });

  async function collect(events: AsyncIterable<StreamEvent>) {
    let text = "";
    const rest: StreamEvent[] = [];
    for await (const e of events) {
      if (e.type === "text") text += e.text;
      else rest.push(e);
    }
    return { text, rest };
  }

  it("answers /ping and /invocations, and rejects bad requests", async () => {
    const ping = await fetch(`${base}/ping`);
    expect(ping.status).toBe(200);
    const res = await invoke({ inputs: "the client reads", parameters: { max_new_tokens: 8 } });
    expect(res.status).toBe(200);
    const body = (await res.json()) as {
      generated_text: string;
      details: { finish_reason: string; generated_tokens: number };
    };
    expect(body.generated_text.length).toBeGreaterThan(0);
    expect(["length", "eos_token"]).toContain(body.details.finish_reason);
    expect((await invoke({ parameters: {} })).status).toBe(400);
    expect((await invoke({ inputs: "x", parameters: { max_new_tokens: 0 } })).status).toBe(400);
    expect((await fetch(`${base}/nope`)).status).toBe(404);
  });

  it("streams jsonlines that fmops's LineIterator + LMI decoder read back to the same answer", async () => {
    const parameters = { max_new_tokens: 12, stop_sequences: ["zzz"] };
    const whole = (await (await invoke({ inputs: "the model", parameters })).json()) as {
      generated_text: string;
      details: { generated_tokens: number; finish_reason: string };
    };
    const res = await invoke({ inputs: "the model", parameters, stream: true });
    expect(res.headers.get("content-type")).toBe("application/jsonlines");
    const { text, rest } = await collect(
      decodeLmi(new LineIterator(res.body as AsyncIterable<Uint8Array>)),
    );
    expect(text).toBe(whole.generated_text);
    expect(rest).toContainEqual(
      expect.objectContaining({
        type: "usage",
        usage: expect.objectContaining({ outputTokens: whole.details.generated_tokens }),
      }),
    );
    expect(rest).toContainEqual(
      expect.objectContaining({ type: "stop", reason: whole.details.finish_reason }),
    );
  });

  it("streams TGI-style server-sent events for Accept: text/event-stream, and honours stop sequences", async () => {
    const res = await invoke(
      {
        inputs: "the",
        parameters: { max_new_tokens: 30, temperature: 0.7, seed: 11, stop_sequences: ["."] },
        stream: true,
      },
      { accept: "text/event-stream" },
    );
    const contentType = res.headers.get("content-type") ?? undefined;
    expect(contentType).toBe("text/event-stream");
    const { text, rest } = await collect(
      decodeResponseStream(res.body as AsyncIterable<Uint8Array>, { contentType }),
    );
    expect(
      text.endsWith(".") || rest.some((e) => e.type === "stop" && e.reason !== "stop_sequence"),
    ).toBe(true);
    expect(rest.some((e) => e.type === "stop")).toBe(true);
  });

  it("runs the LMI input formatter's normalisation outside the container", () => {
    const result = python(join(HARNESS, "lmi_harness.py"), {
      model_py: join(ROOT, "lmi-streaming/model.py"),
      cases: [
        {
          payload: { inputs: "Hi", parameters: { max_new_tokens: 99999 }, stream: true },
          env: { FMOPS_MAX_NEW_TOKENS_CAP: "1024" },
        },
        { payload: { prompt: "Hi", max_tokens: 10, stop: "###", temperature: 0.2 } },
        { payload: { inputs: "" } },
        { payload: { inputs: "x" }, env: { FMOPS_MAX_NEW_TOKENS_CAP: "lots" } },
      ],
    }) as unknown[];
    expect(result).toEqual([
      { ok: { inputs: "Hi", parameters: { max_new_tokens: 1024, details: true }, stream: true } },
      {
        ok: {
          inputs: "Hi",
          parameters: {
            max_new_tokens: 10,
            stop_sequences: ["###"],
            temperature: 0.2,
            details: true,
          },
        },
      },
      { error: '"inputs" must be a non-empty string' },
      { error: "environment variable FMOPS_MAX_NEW_TOKENS_CAP must be an integer, got 'lots'" },
      { hook: true },
    ]);
  });
});

describe("deploy scripts as programs", () => {
  it("run under node --import tsx and print the same dry run", () => {
    const out = execFileSync(
      process.execPath,
      ["--import", "tsx", join(ROOT, "tgi-streaming/deploy.ts"), "--dry-run"],
      { encoding: "utf8", env: { ...process.env, AWS_REGION: "eu-west-1" } },
    );
    const lines = out
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as DryRunLine);
    expect(lines.map((l) => l.operation)).toEqual([
      "CreateModel",
      "CreateEndpointConfig",
      "CreateEndpoint",
      "DescribeEndpoint",
    ]);
    expect(JSON.stringify(lines[0])).toContain(
      "dkr.ecr.eu-west-1.amazonaws.com/huggingface-pytorch-tgi-inference:<tgi-tag>",
    );
  });
});
