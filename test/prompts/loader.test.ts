import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { PromptFileError } from "../../src/prompts/errors.js";
import { readPromptFolder } from "../../src/prompts/loader.js";
import { parsePromptFile } from "../../src/prompts/parse-file.js";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "fmops-prompts-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const support = `id: support.reply
description: Reply to a customer
tags: [support]
variables:
  customer: { maxLength: 80 }
  question: {}
labels:
  production: 1
  staging: "2"
system: You are a support agent for {{customer}}.
versions:
  - version: 1
    text: "Answer: {{question}}"
  - version: "2"
    messages:
      - role: user
        content: |
          Customer question:
          {{question}}
`;

const markdown = `---
id: summarize.short
version: "2"
labels: { production: "2" }
variables:
  text: { maxLength: 10000 }
versions:
  - version: "1"
    text: "Summarize: {{text}}"
---

# System

You write one-sentence summaries.

# User

Summarize this:

{{text}}
`;

function fileError(fn: () => unknown): PromptFileError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(PromptFileError);
    return err as PromptFileError;
  }
  throw new Error("expected PromptFileError");
}

describe("prompt files", () => {
  it("parses YAML with shared fields, version entries and labels", () => {
    const f = parsePromptFile("support.yaml", support);
    expect(f.templates.map((t) => t.version)).toEqual(["1", "2"]);
    expect(f.labels).toEqual({ production: "1", staging: "2" });
    const [v1, v2] = f.templates;
    expect(v1?.render({ customer: "ACME", question: "Where?" })).toEqual({
      system: "You are a support agent for ACME.",
      messages: [{ role: "user", content: "Answer: Where?" }],
    });
    expect(v2?.messages?.[0]?.content).toBe("Customer question:\n{{question}}\n");
    expect(v2?.tags).toEqual(["support"]);
  });

  it("parses Markdown front matter and sections, older versions from the front matter", () => {
    const f = parsePromptFile("summarize.md", markdown);
    expect(f.templates.map((t) => t.version)).toEqual(["1", "2"]);
    expect(f.templates[1]?.render({ text: "Long text." })).toEqual({
      system: "You write one-sentence summaries.",
      messages: [{ role: "user", content: "Summarize this:\n\nLong text." }],
    });
    const plain = parsePromptFile("p.md", "---\nid: p\nversion: 1\n---\nJust {{x}}.\n");
    expect(plain.templates[0]?.text).toBe("Just {{x}}.");
  });

  it("names the file and line of malformed YAML", () => {
    const e = fileError(() =>
      parsePromptFile("bad.yaml", "id: x\nversion: 1\ntext: [unclosed\nother: 2\n"),
    );
    expect(e.file).toBe("bad.yaml");
    expect(e.line).toBeGreaterThanOrEqual(3);
    expect(e.message).toMatch(/^bad\.yaml:\d+: invalid YAML/);
  });

  it("names the line of an unknown key, a bad field and a broken placeholder", () => {
    expect(
      fileError(() => parsePromptFile("a.yaml", "id: a\nversion: 1\ntext: hi\ncolour: red\n"))
        .message,
    ).toMatch(/^a\.yaml:4: colour:/);
    expect(
      fileError(() =>
        parsePromptFile(
          "b.yaml",
          "id: b\nversions:\n  - version: 1\n    text: ok\n  - version: 1.5\n    text: hi\n",
        ),
      ).line,
    ).toBe(5);
    const broken = fileError(() =>
      parsePromptFile(
        "c.yaml",
        "id: c\nversion: 1\nsystem: |\n  line one\n  line {{ two\ntext: x\n",
      ),
    );
    expect(broken.line).toBe(5);
    expect(broken.message).toContain("does not open a valid placeholder");
    const md = fileError(() =>
      parsePromptFile("d.md", "---\nid: d\nversion: 1\n---\n\n# User\n\nok\n{{oops\n"),
    );
    expect(md.line).toBe(9);
  });

  it("rejects undeclared placeholders, duplicate versions and dangling labels, naming the line", () => {
    expect(
      fileError(() =>
        parsePromptFile("e.yaml", "id: e\nversion: 1\nvariables:\n  a: {}\ntext: '{{a}} {{b}}'\n"),
      ).message,
    ).toMatch(/^e\.yaml:4: .*\{\{b\}\}/);
    expect(
      fileError(() =>
        parsePromptFile(
          "f.yaml",
          "id: f\nversions:\n  - version: 1\n    text: a\n  - version: 1\n    text: b\n",
        ),
      ).line,
    ).toBe(5);
    expect(
      fileError(() =>
        parsePromptFile("g.yaml", "id: g\nversion: 1\ntext: a\nlabels:\n  production: 2\n"),
      ).message,
    ).toMatch(/^g\.yaml:5: label "production" points at version "2"/);
    expect(fileError(() => parsePromptFile("h.md", "no front matter")).message).toMatch(
      /^h\.md:1:/,
    );
  });
});

describe("readPromptFolder", () => {
  it("loads a folder deterministically, including sub-folders", async () => {
    await mkdir(join(dir, "nested"));
    await writeFile(join(dir, "support.yaml"), support);
    await writeFile(join(dir, "nested", "summarize.md"), markdown);
    await writeFile(join(dir, "README.txt"), "ignored");
    const catalog = await readPromptFolder(dir);
    expect(catalog.list().map((p) => [p.id, p.versions, p.labels])).toEqual([
      ["summarize.short", ["1", "2"], { production: "2" }],
      ["support.reply", ["1", "2"], { production: "1", staging: "2" }],
    ]);
    expect(catalog.get("support.reply").version).toBe("1");
    const again = await readPromptFolder(dir);
    expect(again.list()).toEqual(catalog.list());
    expect(again.get("summarize.short").hash).toBe(catalog.get("summarize.short").hash);
  });

  it("fails on the first malformed file, naming it, and registers nothing", async () => {
    await writeFile(join(dir, "a.yaml"), support);
    await writeFile(join(dir, "b.yaml"), "id: broken\nversion: 1\ntext: '{{x'\n");
    await expect(readPromptFolder(dir)).rejects.toThrow(/b\.yaml:3: .*placeholder/);
  });

  it("rejects the same id in two files", async () => {
    await writeFile(join(dir, "a.yaml"), "id: same\nversion: 1\ntext: a\n");
    await writeFile(join(dir, "b.md"), "---\nid: same\nversion: 2\n---\nb\n");
    await expect(readPromptFolder(dir)).rejects.toThrow(
      /prompt id "same" is already defined in .*a\.yaml/,
    );
  });

  it("reports a missing folder as a file error", async () => {
    await expect(readPromptFolder(join(dir, "missing"))).rejects.toMatchObject({
      code: "PROMPT_FILE_ERROR",
    });
  });
});
