/**
 * Benchmark: ROUGE (rouge1, rouge2, rougeL, rougeLsum, stemmed) and METEOR over N generated
 * (reference, candidate) pairs. fmops times both; python3 with NLTK times METEOR
 * (`single_meteor_score(word_tokenize(r, preserve_line=True), word_tokenize(c, ...))`) on the same
 * pairs in the same run, reading the same WordNet files. `rouge_score` is not installable here
 * (no Debian package, no PyPI), so Python's ROUGE figure comes from bench/rouge_baseline.py, its
 * algorithm in plain Python on NLTK's PorterStemmer; every score is compared as well.
 *
 * Timing conditions, the same on both sides: WordNet is loaded before the clock starts (times
 * exclude loading), and each side scores all pairs `--runs` times in one process, so caches
 * either side builds while scoring (fmops' stem and synonym caches, NLTK's synset cache) carry
 * over from run to run as they would in a long evaluation. Each figure is the median of the runs;
 * the speedup is the ratio of the medians. Every run's time is listed as well.
 *
 * fmops also times two whole algorithms through `evaluate()` on the same pairs (QaAccuracy, and
 * SummarizationAccuracy with ROUGE only), which adds the per-sample checks, the aggregation and
 * the intervals to the metrics: what an evaluation run pays per record.
 *
 * Usage: `npm run bench -- evaluation [--pairs 10000] [--runs 5]`. Prints one JSON line.
 * `FMOPS_PYTHON=/bin/false` leaves the Python side out (its figures are then null).
 */
import { readFileSync } from "node:fs";
import { QaAccuracy, SummarizationAccuracy } from "../src/evaluation/index.js";
import { meteorScore, rougeScores } from "../src/evaluation/metrics/index.js";
import { getDefaultWordNet } from "../src/evaluation/metrics/wordnet.js";
import { buildNltkData, findNltkPython, runPython } from "../test/evaluation/nltk-harness.js";
import { mulberry32 } from "../test/support/random.js";

const args = new Map<string, string>();
for (let i = 2; i + 1 < process.argv.length; i += 2)
  args.set((process.argv[i] as string).replace(/^--/, ""), process.argv[i + 1] as string);
const PAIRS = Number(args.get("pairs") ?? 10_000);
const RUNS = Number(args.get("runs") ?? 5);

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1
    ? (s[mid] as number)
    : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

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
const rougeRuns: number[] = [];
let rougeSum = 0;
for (let run = 0; run < RUNS; run++) {
  const t0 = performance.now();
  rougeSum = 0;
  for (const [r, c] of pairs) {
    const s = rougeScores(r, c, { useStemmer: true });
    rougeSum += s.rouge2?.fmeasure ?? 0;
  }
  rougeRuns.push(performance.now() - t0);
}

const meteorRuns: number[] = [];
let ours: number[] = [];
for (let run = 0; run < RUNS; run++) {
  const t0 = performance.now();
  ours = [];
  // One sentence per text on both sides (Python: preserve_line=True), as the header says.
  for (const [r, c] of pairs) ours.push(meteorScore(r, c, { punkt: false }));
  meteorRuns.push(performance.now() - t0);
}
const meteorMs = median(meteorRuns);

// Whole algorithms through evaluate(): the per-sample checks, the aggregation and the
// intervals on top of the metrics, as an evaluation run pays them.
const samples = pairs.map(([r, c]) => ({ targets: [r], output: c }));
async function timeEvaluate(
  algorithm: QaAccuracy | SummarizationAccuracy,
): Promise<{ runs: number[]; mean: number }> {
  const runs: number[] = [];
  let mean = Number.NaN;
  for (let run = 0; run < RUNS; run++) {
    const t0 = performance.now();
    const summary = await algorithm.evaluate(samples);
    runs.push(performance.now() - t0);
    mean = Object.values(summary)[0]?.mean ?? Number.NaN;
  }
  return { runs, mean };
}
const qaEvaluate = await timeEvaluate(new QaAccuracy());
const rougeEvaluate = await timeEvaluate(new SummarizationAccuracy({ meteor: false }));

const python = findNltkPython();
let pythonRuns: number[] | null = null;
let pythonMeteorMs: number | null = null;
let maxAbsDiff: number | null = null;
let differing: number | null = null;
if (python !== undefined) {
  const script = `
import json, sys, time
from nltk.corpus import wordnet
from nltk.tokenize import word_tokenize
from nltk.translate.meteor_score import single_meteor_score
inp = json.load(sys.stdin)
pairs = inp["pairs"]
wordnet.synsets("warmup")
runs = []
for _ in range(inp["runs"]):
    t0 = time.perf_counter()
    scores = [single_meteor_score(word_tokenize(r, preserve_line=True), word_tokenize(c, preserve_line=True)) for r, c in pairs]
    runs.append((time.perf_counter() - t0) * 1000)
print(json.dumps({"runs": runs, "scores": scores}))
`;
  const res = runPython(python, buildNltkData(), script, { pairs, runs: RUNS }) as {
    runs: number[];
    scores: number[];
  };
  pythonRuns = res.runs;
  pythonMeteorMs = median(res.runs);
  const diffs = res.scores.map((s, i) => Math.abs(s - (ours[i] as number)));
  maxAbsDiff = Math.max(...diffs);
  // fmops rounds the penalty's power as C's pow() does; a rare case where the C library's pow is
  // not correctly rounded would show up here as a last-bit difference.
  differing = diffs.filter((d) => d !== 0).length;
}

// ROUGE: bench/rouge_baseline.py, rouge_score's algorithm in plain Python on NLTK's stemmer (the
// package itself is not installable here), timed the same way and compared score by score.
let pythonRougeRuns: number[] | null = null;
let rougeMaxAbsDiff: number | null = null;
let rougeDiffering: number | null = null;
if (python !== undefined) {
  const res = runPython(
    python,
    buildNltkData(),
    readFileSync(new URL("./rouge_baseline.py", import.meta.url), "utf8"),
    { pairs, runs: RUNS },
  ) as { runs: number[]; scores: number[][][] };
  pythonRougeRuns = res.runs;
  let max = 0;
  let count = 0;
  pairs.forEach(([r, c], i) => {
    const s = rougeScores(r, c, { useStemmer: true });
    const mine = [s.rouge1, s.rouge2, s.rougeL, s.rougeLsum].flatMap((x) =>
      x ? [x.precision, x.recall, x.fmeasure] : [Number.NaN, Number.NaN, Number.NaN],
    );
    const theirs = (res.scores[i] as number[][]).flat();
    const d = Math.max(...mine.map((v, k) => Math.abs(v - (theirs[k] as number))));
    max = Math.max(max, Number.isNaN(d) ? Number.POSITIVE_INFINITY : d);
    if (d !== 0) count += 1;
  });
  rougeMaxAbsDiff = max;
  rougeDiffering = count;
}

const round = (xs: readonly number[]): number[] => xs.map((x) => Math.round(x));
console.log(
  JSON.stringify({
    bench: "evaluation",
    pairs: PAIRS,
    runs: RUNS,
    timing:
      "median of runs; WordNet loaded before timing on both sides (load excluded); caches kept between runs on both sides",
    fmops_rouge_all4_stemmed_ms: Math.round(median(rougeRuns)),
    fmops_rouge_runs_ms: round(rougeRuns),
    fmops_meteor_ms: Math.round(meteorMs),
    fmops_meteor_runs_ms: round(meteorRuns),
    fmops_qa_accuracy_evaluate_ms: Math.round(median(qaEvaluate.runs)),
    fmops_qa_accuracy_evaluate_runs_ms: round(qaEvaluate.runs),
    fmops_summarization_rouge_evaluate_ms: Math.round(median(rougeEvaluate.runs)),
    fmops_summarization_rouge_evaluate_runs_ms: round(rougeEvaluate.runs),
    mean_exact_match: qaEvaluate.mean,
    python_nltk_meteor_ms: pythonMeteorMs === null ? null : Math.round(pythonMeteorMs),
    python_nltk_meteor_runs_ms: pythonRuns === null ? null : round(pythonRuns),
    meteor_speedup: pythonMeteorMs === null ? null : Number((pythonMeteorMs / meteorMs).toFixed(1)),
    meteor_max_abs_diff: maxAbsDiff,
    meteor_pairs_differing: differing,
    python_rouge_all4_stemmed_ms:
      pythonRougeRuns === null ? null : Math.round(median(pythonRougeRuns)),
    python_rouge_runs_ms: pythonRougeRuns === null ? null : round(pythonRougeRuns),
    rouge_speedup:
      pythonRougeRuns === null
        ? null
        : Number((median(pythonRougeRuns) / median(rougeRuns)).toFixed(1)),
    rouge_max_abs_diff: rougeMaxAbsDiff,
    rouge_pairs_differing: rougeDiffering,
    python_rouge:
      "bench/rouge_baseline.py: rouge_score's algorithm in plain Python with NLTK's PorterStemmer",
    mean_rouge2_f: rougeSum / PAIRS,
    node: process.version,
  }),
);
