import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { askCommand } from "../../src/cli/ask.js";
import { indexCommand } from "../../src/cli/index-cmd.js";
import { testCredentials } from "../emulators/http.js";
import {
  type SageMakerRuntimeStandIn,
  startSageMakerRuntime,
} from "../emulators/sagemaker-runtime.js";
import { memoryIo } from "./cli-io.js";

let dir: string;
let sm: SageMakerRuntimeStandIn | undefined;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "fmops-cli-rag-"));
  await mkdir(join(dir, "docs", "sub"), { recursive: true });
  await mkdir(join(dir, "docs", "node_modules"), { recursive: true });
  await writeFile(
    join(dir, "docs", "keys.md"),
    "# Keys\n\nRotate IAM access keys every 90 days.\n",
  );
  await writeFile(
    join(dir, "docs", "sub", "s3.md"),
    "# S3\n\nBuckets hold objects. Versioning keeps old copies.\n",
  );
  await writeFile(join(dir, "docs", "node_modules", "skip.md"), "Rotate rotate rotate keys keys.");
  await writeFile(join(dir, "docs", "notes.bin"), "Rotate keys");
  vi.stubEnv("AWS_ACCESS_KEY_ID", testCredentials.accessKeyId);
  vi.stubEnv("AWS_SECRET_ACCESS_KEY", testCredentials.secretAccessKey);
  vi.stubEnv("AWS_REGION", "us-east-1");
});
afterEach(async () => {
  vi.unstubAllEnvs();
  await sm?.close();
  sm = undefined;
  await rm(dir, { recursive: true, force: true });
});

describe("fmops index / fmops ask", () => {
  it("indexes a folder with BM25 and prints the retrieved passages without a model", async () => {
    const out = join(dir, "idx", "index.json");
    const t = memoryIo();
    expect(
      await indexCommand.run([join(dir, "docs"), "--out", out, "--chunk-size", "200"], t.io),
    ).toBe(0);
    expect(JSON.parse(t.stdout())).toMatchObject({ kind: "bm25", documents: 2, chunks: 2 });
    expect(JSON.parse(await readFile(out, "utf8")).format).toBe("fmops.bm25");
    const a = memoryIo();
    expect(await askCommand.run(["--index", out, "how", "often", "rotate", "keys?"], a.io)).toBe(0);
    expect(a.stdout()).toMatch(
      /^\[1\] keys\.md \(score \d\.\d{3}\)\n# Keys\n\nRotate IAM access keys every 90 days\./,
    );
    expect(a.stdout()).not.toContain("skip");
  });

  it("answers with a model and citations, and says it does not know below --min-score", async () => {
    let calls = 0;
    sm = await startSageMakerRuntime({
      invokeEndpoint: (req) => {
        calls++;
        const prompt = req.json<{ inputs: string }>().inputs;
        expect(prompt).toContain("Rotate IAM access keys every 90 days.");
        expect(prompt).toContain("untrusted data");
        return { body: [{ generated_text: "Every 90 days [1]." }] };
      },
    });
    const out = join(dir, "index.json");
    await indexCommand.run([join(dir, "docs"), "--out", out], memoryIo().io);
    const model = [
      "--model",
      "sagemaker:rag-ep",
      "--endpoint-url",
      sm.endpoint,
      "--region",
      "us-east-1",
    ];
    const a = memoryIo();
    expect(
      await askCommand.run(["--index", out, ...model, "How often should I rotate keys?"], a.io),
    ).toBe(0);
    expect(a.stdout()).toBe("Every 90 days [1].\n\nSources:\n  [1] keys.md\n");
    const none = memoryIo();
    expect(
      await askCommand.run(
        ["--index", out, ...model, "--min-score", "50", "--json", "rotate keys"],
        none.io,
      ),
    ).toBe(0);
    expect(JSON.parse(none.stdout())).toMatchObject({ answered: false, chunks: [] });
    expect(calls).toBe(1);
  });

  it("builds and queries a vector index", async () => {
    const out = join(dir, "v.fmvs");
    await indexCommand.run(
      [join(dir, "docs"), "--kind", "vector", "--embeddings", "fake:64", "--out", out],
      memoryIo().io,
    );
    const a = memoryIo();
    await askCommand.run(
      [
        "--index",
        out,
        "--embeddings",
        "fake:64",
        "--k",
        "1",
        "--json",
        "bucket versioning objects",
      ],
      a.io,
    );
    expect(JSON.parse(a.stdout()).chunks[0].source).toBe("sub/s3.md");
    await expect(
      indexCommand.run([join(dir, "docs"), "--kind", "vector"], memoryIo().io),
    ).rejects.toThrow(/--embeddings is required/);
    await expect(indexCommand.run([join(dir, "nope")], memoryIo().io)).rejects.toThrow(
      /is not a folder/,
    );
  });
});
