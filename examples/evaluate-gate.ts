/**
 * Evaluate a prompt change before you ship it: the prompt in production and two candidate
 * versions answer the same questions; each candidate is compared with production record by
 * record (paired differences with a paired t interval) and must pass the release gates before
 * the `production` label moves to it. The promotion is kept in the catalog's label history with
 * the evaluation's run id.
 *
 *   node --import tsx examples/evaluate-gate.ts
 *
 * Offline: the model is a scripted FakeChatModel that answers tersely or verbosely depending on
 * what the prompt asks for. Swap it for a BedrockChatModel (fmops/models) to evaluate for real.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  ChatModelRunner,
  checkGates,
  type DatasetRecord,
  type EvaluationRecord,
  FileTracker,
  type Gate,
  ModelEvaluator,
  parseGate,
  promoteIfPassed,
  QaAccuracy,
} from "../src/evaluation/index.js";
import { messageText } from "../src/models/index.js";
import { PromptCatalog } from "../src/prompts/index.js";
import { FakeChatModel } from "../src/testing/index.js";

const qa: [string, string][] = [
  ["What is the capital of France?", "Paris"],
  ["Which planet is the largest?", "Jupiter"],
  ["Who wrote Hamlet?", "Shakespeare"],
  ["What is the chemical symbol for gold?", "Au"],
  ["How many continents are there?", "seven"],
  ["Which ocean is the largest?", "Pacific"],
  ["What is the boiling point of water in Celsius?", "100"],
  ["Which metal is liquid at room temperature?", "Mercury"],
];
const dataset: DatasetRecord[] = qa.map(([question, answer], index) => ({
  index,
  line: index + 1,
  input: question,
  targets: [answer],
  data: {},
}));

const catalog = new PromptCatalog();
catalog.register(
  { id: "qa", version: "1", text: "Answer the question in one short sentence.\n\n{{input}}" },
  { labels: ["production"] },
);
catalog.register({
  id: "qa",
  version: "2",
  text: "Explain your reasoning in detail, then answer.\n\n{{input}}",
});
catalog.register({
  id: "qa",
  version: "3",
  text: "Reply with the answer only: no sentence, no punctuation.\n\n{{input}}",
});

/** The scripted model: its style follows the prompt, as a real model's would. */
const model = new FakeChatModel({
  responses: (request) => {
    const prompt = messageText(request.messages[0] ?? { content: "" });
    const i = qa.findIndex(([q]) => prompt.includes(q));
    const answer = qa[i]?.[1] ?? "I do not know";
    if (prompt.startsWith("Reply with the answer only")) return answer;
    if (prompt.startsWith("Explain your reasoning")) {
      return i % 2 === 0
        ? `Let me think about this step by step before I answer: ${answer}.`
        : `${answer}, I believe.`;
    }
    return i % 3 === 0 ? answer : `It is ${answer}.`;
  },
});

/** Evaluates one prompt version, keeping the records (for paired gates) and a tracked run id. */
async function evaluate(version: string, tracker: FileTracker) {
  const records: EvaluationRecord[] = [];
  const result = await new ModelEvaluator({
    runner: new ChatModelRunner({ model, prompt: catalog.get("qa", { version }) }),
    algorithms: [new QaAccuracy()],
  }).evaluate(dataset, { output: (line) => void records.push(JSON.parse(line)) });
  const run = await tracker.trackEvaluation(result, {
    runName: `qa@${version}`,
    params: { prompt: `qa@${version}` },
  });
  return { result, records, runId: run.runId };
}

const gates: Gate[] = [
  parseGate("qa_accuracy.f1_score drop > 0.02"),
  parseGate("qa_accuracy.f1_score >= 0.7"),
  { kind: "failureRate", max: 0 },
];

const dir = await mkdtemp(join(tmpdir(), "fmops-gate-"));
try {
  const tracker = new FileTracker({ directory: dir, experimentName: "qa-prompt" });
  const production = catalog.get("qa").version;
  const baseline = await evaluate(production, tracker);
  const f1 = (r: typeof baseline) => r.result.scores.qa_accuracy?.f1_score?.mean?.toFixed(3);
  console.log(`production qa@${production}: f1 ${f1(baseline)}`);

  for (const version of ["2", "3"]) {
    const candidate = await evaluate(version, tracker);
    const report = checkGates(candidate.result, gates, {
      baseline: baseline.result,
      records: candidate.records,
      baselineRecords: baseline.records,
    });
    console.log(`\ncandidate qa@${version}: f1 ${f1(candidate)} (run ${candidate.runId})`);
    for (const v of report.verdicts) {
      console.log(`  ${v.passed ? "pass" : "FAIL"} ${v.name}: ${v.detail}`);
    }
    const outcome = promoteIfPassed(catalog, {
      id: "qa",
      label: "production",
      version,
      report,
      runId: candidate.runId,
    });
    console.log(
      outcome.promoted
        ? `  promoted: production qa@${outcome.previous} -> qa@${version}`
        : `  not promoted: production stays qa@${outcome.version}`,
    );
  }

  const last = catalog.history("qa").at(-1);
  console.log(`\nproduction is qa@${catalog.get("qa").version}; last history entry:`);
  console.log(`  ${JSON.stringify({ ...last, at: undefined })}`);
} finally {
  await rm(dir, { recursive: true, force: true });
}
