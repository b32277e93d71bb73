import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.js";
import { VERSION } from "../../src/version.js";
import { memoryIo } from "./cli-io.js";

describe("fmops CLI", () => {
  it("keeps VERSION equal to package.json's version", () => {
    const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8"));
    expect(VERSION).toBe(pkg.version);
  });

  it("prints the version", async () => {
    const t = memoryIo();
    expect(await main(["--version"], t.io)).toBe(0);
    expect(t.stdout()).toBe(`${VERSION}\n`);
  });

  it("lists commands on --help and exits 2 with no command", async () => {
    const help = memoryIo();
    expect(await main(["--help"], help.io)).toBe(0);
    expect(help.stdout()).toContain("chat");
    const none = memoryIo();
    expect(await main([], none.io)).toBe(2);
  });

  it("rejects an unknown command with exit code 2", async () => {
    const t = memoryIo();
    expect(await main(["deploy"], t.io)).toBe(2);
    expect(t.stderr()).toContain('unknown command "deploy"');
  });

  it("prints a command's usage", async () => {
    const t = memoryIo();
    expect(await main(["chat", "--help"], t.io)).toBe(0);
    expect(t.stdout()).toContain("sagemaker:<endpoint>");
  });

  it("exits 2 with a clear message when no model flag is given", async () => {
    const t = memoryIo();
    expect(await main(["chat", "hello"], t.io)).toBe(2);
    expect(t.stderr()).toContain("--model is required");
    expect(t.stderr()).toContain("[VALIDATION_ERROR]");
  });

  it("exits 2 and explains the spelling of an unknown model kind", async () => {
    const t = memoryIo();
    expect(await main(["chat", "--model", "llama-3", "hi"], t.io)).toBe(2);
    expect(t.stderr()).toContain(
      "--model must be bedrock:<model-id>, sagemaker:<endpoint> or openai:<base-url>",
    );
  });

  it("exits 2 on a non-numeric flag value", async () => {
    const t = memoryIo();
    expect(
      await main(["chat", "--model", "sagemaker:ep", "--max-tokens", "lots", "hi"], t.io),
    ).toBe(2);
    expect(t.stderr()).toContain('--max-tokens takes a number; got "lots"');
  });
});
