/**
 * Hostile prompt files: alias bombs ("billion laughs"), deep nesting, oversized files and
 * `__proto__` keys are refused with PROMPT_FILE_ERROR naming the file and the line, before they
 * can use up memory or the stack.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { PromptFileError } from "../../src/prompts/errors.js";
import { readPromptFolder } from "../../src/prompts/loader.js";
import {
  MAX_PROMPT_FILE_CHARS,
  MAX_YAML_DEPTH,
  parsePromptFile,
} from "../../src/prompts/parse-file.js";

function fileError(fn: () => unknown): PromptFileError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(PromptFileError);
    return err as PromptFileError;
  }
  throw new Error("expected a PromptFileError");
}

/** Nine aliases of nine aliases of ...: 9^9 "lol"s once expanded. */
function aliasBomb(): string {
  const lines = ["id: bomb", 'version: "1"', "text: hi", 'a0: &a0 ["lol","lol","lol","lol"]'];
  for (let i = 1; i < 10; i++) {
    lines.push(
      `a${i}: &a${i} [${Array(9)
        .fill(`*a${i - 1}`)
        .join(", ")}]`,
    );
  }
  return `${lines.join("\n")}\n`;
}

describe("YAML limits", () => {
  it("refuses an alias bomb with the file and the line of the first alias", () => {
    const err = fileError(() => parsePromptFile("bomb.yaml", aliasBomb()));
    expect(err).toMatchObject({ code: "PROMPT_FILE_ERROR", file: "bomb.yaml", line: 5 });
    expect(err.message).toMatch(/^bomb\.yaml:5: /);
    expect(err.message).toMatch(/alias/i);
  });

  it("refuses an alias bomb in Markdown front matter, counting the front matter's offset", () => {
    const text = `---\n${aliasBomb()}---\n\nHello\n`;
    const err = fileError(() => parsePromptFile("bomb.md", text));
    expect(err).toMatchObject({ code: "PROMPT_FILE_ERROR", file: "bomb.md", line: 6 });
  });

  it("still reads a file that reuses a value through an alias", () => {
    const text = [
      "id: reuse",
      "system: &rules Answer briefly.",
      "versions:",
      '  - version: "1"',
      "    text: Hi {{name}}",
      '  - version: "2"',
      "    text: Hello {{name}}",
      "    description: *rules",
      "",
    ].join("\n");
    const file = parsePromptFile("reuse.yaml", text);
    expect(file.templates.map((t) => t.description)).toEqual([undefined, "Answer briefly."]);
  });

  it.each([
    ["flow sequences, deep enough to overflow the parser's stack", 20_000],
    ["flow sequences just past the limit", MAX_YAML_DEPTH + 1],
  ])("refuses nesting of %s with the line", (_what, depth) => {
    const text = `id: deep\nversion: "1"\ntext: hi\ntags: ${"[".repeat(depth)}${"]".repeat(depth)}\n`;
    const err = fileError(() => parsePromptFile("deep.yaml", text));
    expect(err).toMatchObject({ code: "PROMPT_FILE_ERROR", file: "deep.yaml", line: 4 });
    expect(err.message).toMatch(/nest/i);
  });

  it("refuses deep block nesting with the line where it goes too deep", () => {
    const lines = ["id: deep", 'version: "1"', "text: hi", "modelHints:"];
    for (let i = 1; i <= MAX_YAML_DEPTH + 5; i++) lines.push(`${"  ".repeat(i)}k${i}:`);
    const err = fileError(() => parsePromptFile("block.yaml", `${lines.join("\n")}\n`));
    expect(err).toMatchObject({ code: "PROMPT_FILE_ERROR", file: "block.yaml" });
    expect(err.line).toBeGreaterThan(4);
    expect(err.message).toMatch(/nest/i);
  });

  it("refuses an oversized file with the line where the limit is crossed", () => {
    const line = `# ${"x".repeat(98)}\n`; // 101 characters
    const text = `id: big\nversion: "1"\ntext: hi\n${line.repeat(Math.ceil(MAX_PROMPT_FILE_CHARS / 101) + 1)}`;
    expect(text.length).toBeGreaterThan(MAX_PROMPT_FILE_CHARS);
    const err = fileError(() => parsePromptFile("big.yaml", text));
    const expectedLine = text.slice(0, MAX_PROMPT_FILE_CHARS).split("\n").length;
    expect(err).toMatchObject({ code: "PROMPT_FILE_ERROR", file: "big.yaml", line: expectedLine });
    expect(err.message).toMatch(/too large|limit/i);
    const md = fileError(() => parsePromptFile("big.md", `---\n${text}---\nHi\n`));
    expect(md).toMatchObject({ code: "PROMPT_FILE_ERROR", file: "big.md" });
  });

  it("refuses a __proto__ key, which would otherwise vanish, with its line", () => {
    const variables =
      'id: p\nversion: "1"\ntext: "hi {{x}}"\nvariables:\n  x: {}\n  __proto__: {}\n';
    expect(fileError(() => parsePromptFile("v.yaml", variables))).toMatchObject({
      code: "PROMPT_FILE_ERROR",
      file: "v.yaml",
      line: 6,
    });
    const labels = 'id: p\nversion: "1"\ntext: hi\nlabels:\n  "__proto__": "1"\n';
    expect(fileError(() => parsePromptFile("l.yaml", labels))).toMatchObject({ line: 5 });
  });
});

describe("readPromptFolder limits", () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "fmops-prompt-limits-"));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("refuses an oversized file by its size, naming it and the line", async () => {
    await writeFile(join(dir, "ok.yaml"), 'id: ok\nversion: "1"\ntext: hi\n');
    // Multi-byte characters: the file is over the limit in bytes though not in characters.
    const body = `id: big\nversion: "1"\ntext: hi\n${"# ééééééééé\n".repeat(MAX_PROMPT_FILE_CHARS / 18)}`;
    expect(body.length).toBeLessThan(MAX_PROMPT_FILE_CHARS);
    await writeFile(join(dir, "big.yaml"), body);
    const err = await readPromptFolder(dir).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(PromptFileError);
    expect(err).toMatchObject({ code: "PROMPT_FILE_ERROR", file: join(dir, "big.yaml") });
    expect((err as PromptFileError).line).toBeGreaterThan(3);
  });

  it("refuses an alias bomb in a folder with PROMPT_FILE_ERROR, not a raw ReferenceError", async () => {
    await writeFile(join(dir, "bomb.yaml"), aliasBomb());
    await expect(readPromptFolder(dir)).rejects.toMatchObject({
      code: "PROMPT_FILE_ERROR",
      file: join(dir, "bomb.yaml"),
      line: 5,
    });
  });
});
