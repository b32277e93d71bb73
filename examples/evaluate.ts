/**
 * Scores two models' precomputed outputs offline (QA accuracy and factual knowledge, overall and
 * per category, with 95% confidence intervals), then writes what a team keeps from an
 * evaluation: one JSON line per record, the summary JSON, a self-contained HTML report
 * comparing the models, and one tracked run per model (in files, or in MLflow when
 * MLFLOW_TRACKING_URI is set to a tracking server URL or a SageMaker managed MLflow ARN).
 *
 *   node --import tsx examples/evaluate.ts [output-folder]
 *
 * The folder defaults to ./evaluation-report. The dataset is a JSON Lines file with the
 * question, the acceptable answers and the outputs two models already gave. To generate outputs
 * instead, swap PrecomputedRunner for ChatModelRunner (with a BedrockChatModel from fmops/models)
 * or BedrockModelRunner.
 */
import { createWriteStream } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { finished } from "node:stream/promises";
import {
  Dataset,
  type EvaluationResult,
  type EvaluationTracker,
  evaluationSummary,
  FactualKnowledge,
  FileTracker,
  MlflowTracker,
  ModelEvaluator,
  PrecomputedRunner,
  QaAccuracy,
  renderEvaluationHtml,
  type ScoreSummary,
} from "../src/evaluation/index.js";

const rows = [
  {
    question: "What is the capital of France?",
    answers: ["Paris"],
    topic: "geography",
    model_output: "Paris.",
    other_model_output: "The capital is Paris.",
  },
  {
    question: "Which river flows through Cairo?",
    answers: ["Nile", "the Nile river"],
    topic: "geography",
    model_output: "The Nile",
    other_model_output: "The Nile.",
  },
  {
    question: "What is the largest ocean?",
    answers: ["Pacific<OR>Pacific Ocean"],
    topic: "geography",
    model_output: "The Atlantic Ocean",
    other_model_output: "Pacific",
  },
  {
    question: "Who wrote Hamlet?",
    answers: ["William Shakespeare"],
    topic: "literature",
    model_output: "Shakespeare wrote it.",
    other_model_output: "William Shakespeare",
  },
  {
    question: "Who wrote Don Quixote?",
    answers: ["Miguel de Cervantes<OR>Cervantes"],
    topic: "literature",
    model_output: "Miguel de Cervantes",
    other_model_output: "Cervantes",
  },
  {
    question: "What is 7 times 8?",
    answers: ["56<OR>fifty-six"],
    topic: "math",
    model_output: "56",
    other_model_output: "54",
  },
  {
    question: "What is the square root of 81?",
    answers: ["9<OR>nine"],
    topic: "math",
    model_output: "It is 9.",
    other_model_output: "Nine.",
  },
];

const outDir = resolve(process.argv[2] ?? "evaluation-report");
await mkdir(outDir, { recursive: true });
const dataPath = join(outDir, "qa.jsonl");
await writeFile(dataPath, `${rows.map((r) => JSON.stringify(r)).join("\n")}\n`);

const fmt = (s: ScoreSummary | undefined) =>
  s === undefined
    ? "-"
    : `${s.mean.toFixed(3)}${s.ci95 ? ` [${s.ci95.lower.toFixed(2)}, ${s.ci95.upper.toFixed(2)}]` : ""}`;

/** Evaluates one model's outputs (the JMESPath `field` of each line) and prints its scores. */
async function evaluateOutputs(modelId: string, field: string): Promise<EvaluationResult> {
  const data = Dataset.fromJsonl(dataPath, {
    input: "question",
    target: "answers",
    category: "topic",
  });
  const evaluator = new ModelEvaluator({
    runner: new PrecomputedRunner({ output: field, id: modelId }),
    algorithms: [new QaAccuracy(), new FactualKnowledge()],
    concurrency: 4,
  });
  const records = createWriteStream(join(outDir, `${modelId}.records.jsonl`));
  const result = await evaluator.evaluate(data, { output: records });
  records.end();
  await finished(records);

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
  return result;
}

// The standard MLflow variable picks the server; without it, runs go to files next to the report.
const trackingUri = process.env.MLFLOW_TRACKING_URI;
const tracker: EvaluationTracker = trackingUri
  ? new MlflowTracker({ trackingUri, experimentName: "fmops-example-trivia-qa" })
  : new FileTracker({ directory: join(outDir, "runs"), experimentName: "trivia-qa" });

const results = [
  await evaluateOutputs("model-a", "model_output"),
  await evaluateOutputs("model-b", "other_model_output"),
];
console.log(`(95% intervals: ${results[0]?.confidenceInterval})`);

const summary = evaluationSummary(results, {
  title: "Trivia QA: model-a vs model-b",
  dataset: "qa.jsonl",
  params: { algorithms: ["qa_accuracy", "factual_knowledge"], records: rows.length },
});
await writeFile(join(outDir, "summary.json"), `${JSON.stringify(summary, null, 2)}\n`);
const report = renderEvaluationHtml(summary);
await writeFile(join(outDir, "report.html"), report);
for (const result of results) {
  const run = await tracker.trackEvaluation(result, {
    params: { dataset: "qa.jsonl", records: rows.length },
    artifacts: [{ path: "report.html", content: report }],
  });
  console.log(`tracked ${result.modelId} as run ${run.runId} (${run.url ?? run.experimentId})`);
}
console.log(`\nwrote ${join(outDir, "report.html")} (open it in a browser; it needs no network),`);
console.log(`      ${join(outDir, "summary.json")} and one records file per model`);
