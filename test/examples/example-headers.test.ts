/**
 * The commands an example's header tells the reader to type run that example: an `npm run`
 * script exists and runs this file, and a `node --import tsx examples/<name>.ts` line names the
 * file it is in. Issue #17 found examples/stream-chat.ts naming another example's script.
 */
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const root = join(dirname(fileURLToPath(import.meta.url)), "../..");
const scripts: Record<string, string> = JSON.parse(
  readFileSync(join(root, "package.json"), "utf8"),
).scripts;

/** The leading TSDoc comment of each top-level example. */
const headers = readdirSync(join(root, "examples"))
  .filter((name) => name.endsWith(".ts"))
  .sort()
  .map((name) => {
    const text = readFileSync(join(root, "examples", name), "utf8");
    return { name, header: /^\/\*\*[\s\S]*?\*\//.exec(text)?.[0] ?? "" };
  });

describe("example headers", () => {
  it("every example starts with a header comment that says how to run it", () => {
    expect(headers.length).toBeGreaterThan(5);
    const silent = headers
      .filter(({ header }) => !/npm run [\w:-]+|node --import tsx examples\//.test(header))
      .map(({ name }) => name);
    expect(silent).toEqual([]);
  });

  it("names only npm scripts that exist and run that example", () => {
    const wrong: string[] = [];
    for (const { name, header } of headers) {
      for (const [, script] of header.matchAll(/npm run ([\w:-]+)/g)) {
        const command = scripts[script as string];
        if (command === undefined) wrong.push(`${name}: npm run ${script} is not a script`);
        else if (!command.includes(`examples/${name}`))
          wrong.push(`${name}: npm run ${script} runs "${command}"`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it("names its own file in node --import tsx lines", () => {
    const wrong: string[] = [];
    for (const { name, header } of headers) {
      for (const [, file] of header.matchAll(/node --import tsx examples\/([\w.-]+)/g)) {
        if (file !== name) wrong.push(`${name} says examples/${file}`);
      }
    }
    expect(wrong).toEqual([]);
  });
});
