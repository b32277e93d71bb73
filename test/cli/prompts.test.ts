import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { promptsCommand } from "../../src/cli/prompts.js";
import { readPromptFolder } from "../../src/prompts/loader.js";
import { type BedrockAgentStandIn, startBedrockAgent } from "../emulators/bedrock-agent.js";
import { testCredentials } from "../emulators/http.js";
import { memoryIo } from "./cli-io.js";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "fmops-cli-prompts-"));
  await writeFile(
    join(dir, "qa.yaml"),
    `id: qa
description: Answer questions
variables:
  question: { maxLength: 200 }
  n: { type: integer, default: 2 }
labels: { production: "1" }
versions:
  - version: "1"
    system: Answer in {{n}} sentences.
    text: "Q: {{question}}"
  - version: "2"
    system: Answer in at most {{n}} sentences.
    text: "Question: {{question}}"
`,
  );
  await writeFile(
    join(dir, "img.md"),
    "---\nid: img\nversion: 1\nmodelHints: { family: nova-canvas }\n---\nA cat, no dogs\n",
  );
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function run(args: string[], input = "") {
  const m = memoryIo(input);
  const code = await promptsCommand.run(args, m.io);
  return { code, out: m.stdout(), err: m.stderr() };
}

describe("fmops prompts", () => {
  it("lists prompts", async () => {
    const { code, out } = await run(["list", "--dir", dir]);
    expect(code).toBe(0);
    expect(out).toBe(
      "img\tversions: 1\nqa\tversions: 1, 2\tlabels: production=1\tAnswer questions\n",
    );
  });

  it("shows a version and a diff", async () => {
    expect((await run(["show", "qa", "--dir", dir])).out).toContain('text: "Q: {{question}}"');
    const diff = (await run(["show", "qa", "--dir", dir, "--diff", "1..2"])).out;
    expect(diff).toContain("-Q: {{question}}\n+Question: {{question}}");
  });

  it("renders with typed --var values, stdin JSON, and legacy formats", async () => {
    const json = JSON.parse(
      (await run(["render", "qa", "--dir", dir, "--var", "question=Why?", "--var", "n=3"])).out,
    );
    expect(json).toEqual({
      system: "Answer in 3 sentences.",
      messages: [{ role: "user", content: "Q: Why?" }],
    });
    const text = await run(
      ["render", "qa", "--dir", dir, "--version", "2", "--vars-json", "--format", "claude-text"],
      '{"question":"{{n}}?"}',
    );
    expect(text.out).toBe(
      "Answer in at most 2 sentences.\n\nHuman: Question: {{n}}?\n\nAssistant:\n",
    );
    await expect(run(["render", "qa", "--dir", dir])).rejects.toMatchObject({
      code: "PROMPT_VARIABLE_ERROR",
    });
  });

  it("lints, failing on errors", async () => {
    const ok = await run(["lint", "qa", "--dir", dir]);
    expect(ok.code).toBe(0);
    const img = await run(["lint", "--dir", dir, "--json"]);
    expect(img.code).toBe(0);
    expect(JSON.parse(img.out).map((i: { rule: string }) => i.rule)).toEqual(["image-negation"]);
    const tight = await run(["lint", "qa", "--dir", dir, "--max-input-tokens", "10"]);
    expect(tight.code).toBe(1);
    expect(tight.out).toContain("input-too-long");
  });

  it("rejects a missing --dir and unknown actions as usage errors", async () => {
    await expect(run(["list"])).rejects.toMatchObject({ code: "VALIDATION_ERROR" });
    await expect(run(["frobnicate", "--dir", dir])).rejects.toMatchObject({
      code: "VALIDATION_ERROR",
    });
    await expect(run(["lst", "--dir", dir])).rejects.toThrow(
      'unknown action "lst". Did you mean "list"? Give one of: list, show, render, lint, push, pull.',
    );
  });

  it("types a --dir that is missing or is a file, naming it (issue #17)", async () => {
    const missing = join(dir, "nope");
    await expect(run(["list", "--dir", missing])).rejects.toMatchObject({
      code: "FILE_NOT_FOUND",
      message: expect.stringContaining(`"${missing}" does not exist`),
    });
    const file = join(dir, "qa.yaml");
    const err = await run(["list", "--dir", file]).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "FILE_NOT_DIRECTORY" });
    expect((err as Error).message).toContain(`"${file}" is a file, not a folder`);
    expect((err as Error).message).not.toContain("ENOTDIR");
  });

  describe("with Bedrock", () => {
    let agent: BedrockAgentStandIn;
    beforeEach(async () => {
      vi.stubEnv("AWS_ACCESS_KEY_ID", testCredentials.accessKeyId);
      vi.stubEnv("AWS_SECRET_ACCESS_KEY", testCredentials.secretAccessKey);
      vi.stubEnv("AWS_REGION", "us-east-1");
      agent = await startBedrockAgent();
    });
    afterEach(async () => {
      vi.unstubAllEnvs();
      await agent.close();
    });

    it("pushes every version and pulls them back into a file that loads identically", async () => {
      const pushed = await run([
        "push",
        "qa",
        "--all",
        "--dir",
        dir,
        "--endpoint-url",
        agent.endpoint,
      ]);
      expect(pushed.code).toBe(0);
      const refs = pushed.out
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l));
      expect(
        refs.map((r: { version: string; bedrockVersion: string }) => [r.version, r.bedrockVersion]),
      ).toEqual([
        ["1", "1"],
        ["2", "2"],
      ]);
      const out = await mkdtemp(join(tmpdir(), "fmops-cli-pull-"));
      try {
        const pulled = await run([
          "pull",
          refs[0].promptId,
          "--dir",
          out,
          "--endpoint-url",
          agent.endpoint,
        ]);
        expect(pulled.out.split("\n")[0]).toBe(join(out, "qa.yaml"));
        expect(await readFile(join(out, "qa.yaml"), "utf8")).toContain("id: qa");
        const original = await readPromptFolder(dir);
        const copy = await readPromptFolder(out);
        expect(copy.versions("qa").map((v) => v.hash)).toEqual(
          original.versions("qa").map((v) => v.hash),
        );
        await expect(
          run(["pull", refs[0].promptId, "--dir", out, "--endpoint-url", agent.endpoint]),
        ).rejects.toThrow(/--force/);
      } finally {
        await rm(out, { recursive: true, force: true });
      }
    });
  });
});
