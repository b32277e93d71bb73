/**
 * Benchmark: ROUGE (rouge1, rouge2, rougeL, rougeLsum, stemmed) and METEOR over N generated
 * (reference, candidate) pairs. fmops times both; python3 with NLTK times METEOR
 * (`single_meteor_score(word_tokenize(r, preserve_line=True), word_tokenize(c, ...))`) on the same
 * pairs in the same run, reading the same WordNet files. Python has no ROUGE package here
 * (`rouge_score` is not packaged for Debian), so ROUGE is reported for fmops alone.
 * Times exclude loading (WordNet read once on each side before timing).
 *
 * Usage: `npm run bench -- evaluation [--pairs 10000]`. Prints one JSON line.
 */
import { meteorScore, rougeScores } from "../src/evaluation/metrics/index.js";
import { getDefaultWordNet } from "../src/evaluation/metrics/wordnet.js";
import { buildNltkData, findNltkPython, runPython } from "../test/evaluation/nltk-harness.js";
import { mulberry32 } from "../test/support/random.js";

const args = new Map<string, string>();
for (let i = 2; i + 1 < process.argv.length; i += 2)
  args.set((process.argv[i] as string).replace(/^--/, ""), process.argv[i + 1] as string);
const PAIRS = Number(args.get("pairs") ?? 10_000);

const VOCAB = (
  "the a of and to in is was for on with as by at from that this it its be are were has had " +
  "market company shares rose fell percent year quarter profit revenue analysts said report " +
  "government minister policy election vote court ruling judge law police city residents " +
  "storm weather flood damage scientists study research found patients hospital doctors " +
  "children school teachers students team game season players coach win won lost goals " +
  "running announced increasing reports studies quickly happily better largest bought"
).split(" ");

const rand = mulberry32(7);
const word = (): string => VOCAB[Math.floor(rand() * VOCAB.length)] as string;
const sentence = (n: number): string =>
  `${Array.from({ length: n }, word)
    .join(" ")
    .replace(/^./, (c) => c.toUpperCase())}.`;
const pairs: [string, string][] = [];
for (let i = 0; i < PAIRS; i++) {
  // Summaries of 2-3 sentences, ~40 words; the candidate edits the reference.
  const ref = Array.from({ length: 2 + Math.floor(rand() * 2) }, () =>
    sentence(10 + Math.floor(rand() * 10)),
  );
  const cand = ref.map((s) =>
    s
      .split(" ")
      .map((w) => (rand() < 0.25 ? word() : w))
      .filter(() => rand() > 0.1)
      .join(" "),
  );
  pairs.push([ref.join("\n"), cand.join("\n")]);
}

getDefaultWordNet();
let t0 = performance.now();
let rougeSum = 0;
for (const [r, c] of pairs) {
  const s = rougeScores(r, c, { useStemmer: true });
  rougeSum += s.rouge2?.fmeasure ?? 0;
}
const rougeMs = performance.now() - t0;

t0 = performance.now();
const ours: number[] = [];
for (const [r, c] of pairs) ours.push(meteorScore(r, c));
const meteorMs = performance.now() - t0;

const python = findNltkPython();
let pythonMeteorMs: number | null = null;
let maxAbsDiff: number | null = null;
if (python !== undefined) {
  const script = `
import json, sys, time
from nltk.corpus import wordnet
from nltk.tokenize import word_tokenize
from nltk.translate.meteor_score import single_meteor_score
pairs = json.load(sys.stdin)
wordnet.synsets("warmup")
t0 = time.perf_counter()
scores = [single_meteor_score(word_tokenize(r, preserve_line=True), word_tokenize(c, preserve_line=True)) for r, c in pairs]
ms = (time.perf_counter() - t0) * 1000
print(json.dumps({"ms": ms, "scores": scores}))
`;
  const res = runPython(python, buildNltkData(), script, pairs) as { ms: number; scores: number[] };
  pythonMeteorMs = res.ms;
  maxAbsDiff = Math.max(...res.scores.map((s, i) => Math.abs(s - (ours[i] as number))));
}

console.log(
  JSON.stringify({
    bench: "evaluation",
    pairs: PAIRS,
    fmops_rouge_all4_stemmed_ms: Math.round(rougeMs),
    fmops_meteor_ms: Math.round(meteorMs),
    python_nltk_meteor_ms: pythonMeteorMs === null ? null : Math.round(pythonMeteorMs),
    meteor_speedup: pythonMeteorMs === null ? null : Number((pythonMeteorMs / meteorMs).toFixed(1)),
    meteor_max_abs_diff: maxAbsDiff,
    python_rouge: "not measured: rouge_score has no Debian package and PyPI is unreachable here",
    mean_rouge2_f: rougeSum / PAIRS,
    node: process.version,
  }),
);
