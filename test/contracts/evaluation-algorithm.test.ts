/**
 * Every built-in evaluation algorithm against `evaluationAlgorithmContract`, each with what it
 * calls: LlmJudge with a scripted FakeChatModel judge, Toxicity with the real Comprehend client
 * on its stand-in, SqlAccuracy with DuckDB, RetrievalAccuracy with a BM25 index. Each names a
 * sample it cannot score (no target, an unreadable judge reply, a failing reference query, a
 * Comprehend error).
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, it } from "vitest";
import { messageText } from "../../src/core/chat.js";
import {
  FactualKnowledge,
  LlmJudge,
  QaAccuracy,
  RetrievalAccuracy,
  SqlAccuracy,
  SummarizationAccuracy,
  Toxicity,
} from "../../src/evaluation/index.js";
import { Bm25Index } from "../../src/rag/bm25.js";
import { evaluationAlgorithmContract } from "../../src/testing/contracts/evaluation-algorithm.js";
import { FakeChatModel } from "../../src/testing/fake-chat-model.js";
import { DuckDbEngine } from "../../src/text2sql/duckdb-engine.js";
import { type ComprehendStandIn, startComprehend } from "../emulators/comprehend.js";

function register(cases: { name: string; run(): Promise<void> }[]) {
  for (const c of cases) it(c.name, c.run);
}

describe("QaAccuracy meets the evaluation algorithm contract", () => {
  register(
    evaluationAlgorithmContract(() => new QaAccuracy(), {
      scores: [
        "exact_match_score",
        "quasi_exact_match_score",
        "precision_over_words",
        "recall_over_words",
        "f1_score",
      ],
      samples: [
        { output: "Paris", targets: ["Paris"] },
        { output: "It is Berlin, I think.", targets: ["Berlin", "berlin"] },
        { output: "blue", targets: ["red"] },
      ],
      failingSample: { output: "Rome", targets: [] },
    }),
  );
});

describe("FactualKnowledge meets the evaluation algorithm contract", () => {
  register(
    evaluationAlgorithmContract(() => new FactualKnowledge(), {
      scores: ["factual_knowledge", "factual_knowledge_quasi_exact"],
      samples: [
        { input: "The capital of France is", output: "Paris, of course.", targets: ["Paris"] },
        { input: "Water boils at", output: "about 90 degrees", targets: ["100 degrees"] },
      ],
      failingSample: { input: "The capital of Italy is", output: "Rome", targets: [] },
    }),
  );
});

describe("SummarizationAccuracy meets the evaluation algorithm contract", () => {
  register(
    evaluationAlgorithmContract(() => new SummarizationAccuracy(), {
      scores: ["rouge", "meteor"],
      samples: [
        {
          output: "The cat sat on the mat all day.",
          targets: ["A cat was sitting on the mat the whole day."],
        },
        {
          output: "Prices rose sharply in March.",
          targets: ["In March, prices went up fast.", "Prices climbed in March."],
        },
      ],
      failingSample: { output: "Nothing to compare with.", targets: [] },
    }),
  );
});

/** The answer the judge prompt fences, so the scripted judge can grade it. */
function answerOf(text: string): string {
  return /ANSWER 1>>>\n([\s\S]*?)\n<<<END/.exec(text)?.[1] ?? "";
}

describe("LlmJudge meets the evaluation algorithm contract (scripted judge model)", () => {
  register(
    evaluationAlgorithmContract(
      () =>
        new LlmJudge({
          model: new FakeChatModel({
            // A text-only judge: the scripted replies are prose with a score line.
            supportsTools: false,
            responses: (request) => {
              const answer = answerOf(messageText(request.messages[0] ?? { content: "" }));
              if (answer.includes("ungradable")) return "I would rather not say.";
              return `Graded.\n{"score": ${1 + (answer.length % 10)}, "reason": "scripted"}`;
            },
          }),
        }),
      {
        scores: ["judge_score", "judge_score_normalized"],
        samples: [
          { input: "Capital of France?", output: "Paris.", targets: ["Paris"] },
          { input: "Capital of Peru?", output: "Lima is the capital.", targets: ["Lima"] },
        ],
        failingSample: { input: "Capital of Chile?", output: "ungradable", targets: ["Santiago"] },
      },
    ),
  );
});

describe("Toxicity meets the evaluation algorithm contract (Comprehend stand-in)", () => {
  let comprehend: ComprehendStandIn;
  beforeAll(async () => {
    comprehend = await startComprehend({
      toxicity: (text) => {
        if (text.includes("fail this record")) throw new Error("scripted Comprehend failure");
        const rude = text.includes("idiot");
        return {
          Toxicity: rude ? 0.9 : 0.05,
          Labels: [
            { Name: "INSULT", Score: rude ? 0.8 : 0.02 },
            { Name: "HATE_SPEECH", Score: 0.1 },
          ],
        };
      },
    });
  });
  afterAll(() => comprehend.close());
  register(
    evaluationAlgorithmContract(() => new Toxicity({ comprehend: { client: comprehend.client } }), {
      scores: [
        "toxicity",
        "profanity",
        "hate_speech",
        "insult",
        "graphic",
        "harassment_or_abuse",
        "sexual",
        "violence_or_threat",
      ],
      samples: [
        { output: "Thanks, that was helpful.", targets: [] },
        { output: "You are an idiot.", targets: [] },
      ],
      failingSample: { output: "Please fail this record.", targets: [] },
    }),
  );
});

describe("SqlAccuracy meets the evaluation algorithm contract (DuckDB)", () => {
  const dir = mkdtempSync(join(tmpdir(), "fmops-eval-contract-"));
  const orders = join(dir, "orders.csv");
  writeFileSync(orders, "id,status,total\n1,shipped,10\n2,open,20\n3,shipped,5\n");
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  register(
    evaluationAlgorithmContract(
      () => new SqlAccuracy({ engine: new DuckDbEngine({ tables: { orders } }) }),
      {
        scores: ["execution_match", "valid_sql"],
        samples: [
          {
            output: "SELECT count(*) FROM orders WHERE status = 'shipped'",
            targets: ["SELECT count(id) FROM orders WHERE status = 'shipped'"],
          },
          {
            output: "```sql\nSELECT sum(total) FROM orders\n```",
            targets: ["SELECT sum(total) FROM orders WHERE status = 'open'"],
          },
          { output: "DROP TABLE orders", targets: ["SELECT 1"] },
        ],
        failingSample: { output: "SELECT 1", targets: ["SELECT no_such_column FROM orders"] },
      },
    ),
  );
});

describe("RetrievalAccuracy meets the evaluation algorithm contract (BM25 retriever)", () => {
  register(
    evaluationAlgorithmContract(
      () => {
        const index = new Bm25Index();
        index.add([
          { id: "iam", text: "Rotate IAM access keys every 90 days." },
          { id: "s3", text: "Block public access on every S3 bucket." },
          { id: "kms", text: "Encrypt data at rest with KMS keys." },
        ]);
        return new RetrievalAccuracy({ retriever: index, k: 2 });
      },
      {
        scores: ["recall_at_k", "precision_at_k", "mrr", "ndcg_at_k"],
        samples: [
          { input: "How often should I rotate access keys?", output: "", targets: ["iam"] },
          { input: "public bucket access", output: "", targets: ["s3", "kms"] },
        ],
        failingSample: { input: "encryption at rest", output: "", targets: [] },
      },
    ),
  );
});
