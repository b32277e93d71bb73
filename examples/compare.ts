/**
 * Compare candidates on the same records: the prompt in production, a new prompt version, and
 * a second (cheaper) model with the new prompt. Each is compared with production record by
 * record: paired differences with a paired t interval, wins/ties/losses, per category, with
 * latency and cost per record. Records are written as they complete, so a crashed comparison
 * resumes where it stopped; the example also writes the side-by-side HTML report.
 *
 *   node --import tsx examples/compare.ts
 *
 * Offline: the models are scripted FakeChatModels whose answer style follows the prompt. Swap
 * them for BedrockChatModels (fmops/models) to compare for real.
 */
import { createWriteStream } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  ChatModelRunner,
  compareCandidates,
  type DatasetRecord,
  PrecomputedRunner,
  promptCandidate,
  QaAccuracy,
  renderComparisonHtml,
} from "../src/evaluation/index.js";
import { messageText } from "../src/models/index.js";
import { PromptCatalog } from "../src/prompts/index.js";
import { FakeChatModel } from "../src/testing/index.js";

const qa: [string, string, string][] = [
  ["What is the capital of France?", "Paris", "geography"],
  ["Which ocean is the largest?", "Pacific", "geography"],
  ["What is the capital of Japan?", "Tokyo", "geography"],
  ["Which river is the longest?", "Nile", "geography"],
  ["Who wrote Hamlet?", "Shakespeare", "culture"],
  ["Who painted the Mona Lisa?", "Leonardo", "culture"],
  ["Who composed the Magic Flute?", "Mozart", "culture"],
  ["What is the chemical symbol for gold?", "Au", "science"],
  ["Which planet is the largest?", "Jupiter", "science"],
  ["Which metal is liquid at room temperature?", "Mercury", "science"],
];
const dataset: DatasetRecord[] = qa.map(([question, answer, category], index) => ({
  index,
  line: index + 1,
  input: question,
  targets: [answer],
  category,
  // What another system answered, scored as a third kind of candidate.
  data: { offline: index % 2 === 0 ? answer : "not sure" },
}));

const catalog = new PromptCatalog();
catalog.register(
  { id: "qa", version: "1", text: "Answer the question in one short sentence.\n\n{{input}}" },
  { labels: ["production"] },
);
catalog.register({ id: "qa", version: "2", text: "Reply with the answer only.\n\n{{input}}" });

/** A scripted model; `slips` names the records it gets wrong. */
function scripted(id: string, slips: (i: number) => boolean): FakeChatModel {
  return new FakeChatModel({
    id,
    responses: (request) => {
      const prompt = messageText(request.messages[0] ?? { content: "" });
      const i = qa.findIndex(([q]) => prompt.includes(q));
      const answer = slips(i) ? "I am not sure" : (qa[i]?.[1] ?? "");
      return prompt.startsWith("Reply with the answer only") ? answer : `It is ${answer}.`;
    },
  });
}
const large = scripted("large-model", () => false);
const small = scripted("small-model", (i) => i === 5 || i === 6);

const dir = await mkdtemp(join(tmpdir(), "fmops-compare-"));
try {
  const records = join(dir, "compare.jsonl");
  const comparison = await compareCandidates({
    dataset,
    candidates: [
      promptCandidate({
        catalog,
        id: "qa",
        label: "production",
        model: large,
        prices: { inputPer1k: 0.8, outputPer1k: 3.2 },
      }),
      promptCandidate({
        catalog,
        id: "qa",
        version: "2",
        model: large,
        prices: { inputPer1k: 0.8, outputPer1k: 3.2 },
      }),
      {
        name: "qa@2 small",
        runner: new ChatModelRunner({ model: small, prompt: catalog.get("qa", { version: "2" }) }),
        prices: { inputPer1k: 0.06, outputPer1k: 0.24 },
      },
      { name: "offline", runner: new PrecomputedRunner({ output: "offline" }) },
    ],
    algorithms: [new QaAccuracy()],
    output: createWriteStream(records),
  });

  const f1 = "qa_accuracy.f1_score";
  console.log(`baseline ${comparison.baseline}, ${comparison.numRecords} records`);
  for (const c of comparison.candidates) {
    const s = c.result.scores.qa_accuracy?.f1_score;
    const ci = s?.ci95 ? ` [${s.ci95.lower.toFixed(3)}, ${s.ci95.upper.toFixed(3)}]` : "";
    const cost = c.cost ? `, cost/record ${c.cost.perRecord.mean.toPrecision(3)}` : "";
    console.log(`${c.name}: f1 ${s?.mean.toFixed(3)}${ci}, failed ${c.result.numFailed}${cost}`);
  }
  for (const d of comparison.differences) {
    const m = d.metrics.find((x) => x.metric === f1);
    const ci = m?.ci95 ? ` [${m.ci95.lower.toFixed(3)}, ${m.ci95.upper.toFixed(3)}]` : "";
    const byCategory = Object.entries(d.categories)
      .map(
        ([cat, rows]) => `${cat} ${rows.find((x) => x.metric === f1)?.meanDifference.toFixed(3)}`,
      )
      .join(", ");
    console.log(
      `${d.candidate} − ${d.baseline}: f1 ${m?.meanDifference.toFixed(3)}${ci} (${m?.method}), wins/ties/losses ${m?.wins}/${m?.ties}/${m?.losses}, pairs ${m?.count}; by category: ${byCategory}`,
    );
  }
  const html = join(dir, "compare.html");
  await writeFile(
    html,
    renderComparisonHtml(comparison, { title: "qa prompt and model comparison" }),
  );
  console.log(`wrote ${records} and ${html}`);
} finally {
  await rm(dir, { recursive: true, force: true });
}
