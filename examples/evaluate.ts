/**
 * Scores precomputed model outputs offline: QA accuracy and factual knowledge, overall and per
 * category, with 95% confidence intervals and one JSON line per record.
 *
 *   node --import tsx examples/evaluate.ts
 *
 * The dataset is a JSON Lines file with the question, the acceptable answers and the output a
 * model already gave. Swap PrecomputedRunner for ChatModelRunner (with a BedrockChatModel from
 * fmops/models) to generate the outputs instead.
 */
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  Dataset,
  FactualKnowledge,
  ModelEvaluator,
  PrecomputedRunner,
  QAAccuracy,
} from "../src/evaluation/index.js";

const rows = [
  {
    question: "What is the capital of France?",
    answers: ["Paris"],
    topic: "geography",
    model_output: "Paris.",
  },
  {
    question: "Which river flows through Cairo?",
    answers: ["Nile", "the Nile river"],
    topic: "geography",
    model_output: "The Nile",
  },
  {
    question: "What is the largest ocean?",
    answers: ["Pacific<OR>Pacific Ocean"],
    topic: "geography",
    model_output: "The Atlantic Ocean",
  },
  {
    question: "Who wrote Hamlet?",
    answers: ["William Shakespeare"],
    topic: "literature",
    model_output: "Shakespeare wrote it.",
  },
  {
    question: "Who wrote Don Quixote?",
    answers: ["Miguel de Cervantes<OR>Cervantes"],
    topic: "literature",
    model_output: "Miguel de Cervantes",
  },
  {
    question: "What is 7 times 8?",
    answers: ["56<OR>fifty-six"],
    topic: "math",
    model_output: "56",
  },
  {
    question: "What is the square root of 81?",
    answers: ["9<OR>nine"],
    topic: "math",
    model_output: "It is 9.",
  },
];

const dir = await mkdtemp(join(tmpdir(), "fmops-evaluate-"));
try {
  const dataPath = join(dir, "qa.jsonl");
  await writeFile(dataPath, `${rows.map((r) => JSON.stringify(r)).join("\n")}\n`);

  const data = Dataset.fromJsonl(dataPath, {
    input: "question",
    target: "answers",
    category: "topic",
  });
  const evaluator = new ModelEvaluator({
    runner: new PrecomputedRunner({ output: "model_output", id: "my-model-2026-01" }),
    algorithms: [new QAAccuracy(), new FactualKnowledge()],
    concurrency: 4,
  });
  const lines: string[] = [];
  const result = await evaluator.evaluate(data, { output: (line) => void lines.push(line) });

  const fmt = (s: { mean: number; ci95: { lower: number; upper: number } | null } | undefined) =>
    s === undefined
      ? "-"
      : `${s.mean.toFixed(3)}${s.ci95 ? ` [${s.ci95.lower.toFixed(2)}, ${s.ci95.upper.toFixed(2)}]` : ""}`;

  console.log(`${result.modelId}: ${result.numRecords} records, ${result.numFailed} failed`);
  console.log("overall  f1", fmt(result.scores.qa_accuracy?.f1_score));
  console.log(
    "overall  quasi-exact match",
    fmt(result.scores.qa_accuracy?.quasi_exact_match_score),
  );
  console.log(
    "overall  factual knowledge",
    fmt(result.scores.factual_knowledge?.factual_knowledge),
  );
  for (const [category, scores] of Object.entries(result.categories)) {
    console.log(`${category.padEnd(10)} f1`, fmt(scores.qa_accuracy?.f1_score));
  }
  console.log(`(95% intervals: ${result.confidenceInterval})`);

  const recordsPath = join(dir, "records.jsonl");
  await writeFile(recordsPath, `${lines.join("\n")}\n`);
  const first = (await readFile(recordsPath, "utf8")).split("\n")[0];
  console.log("\nfirst per-record line:", first);
} finally {
  await rm(dir, { recursive: true, force: true });
}
