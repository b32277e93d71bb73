/**
 * Compares two Bedrock configurations, standard and latency-optimized inference, with a load test
 * at concurrency 1 and 4, then prints the relative change per percentile and writes a JSONL file
 * and an HTML report.
 *
 *   node --import tsx examples/monitor-latency.ts              # against a local Bedrock stand-in
 *   FMOPS_MODEL_ID=us.anthropic.claude-3-5-haiku-20241022-v1:0 AWS_REGION=us-east-2 \
 *     node --import tsx examples/monitor-latency.ts            # against your account (costs money)
 *
 * FMOPS_OUT_DIR chooses where the JSONL and HTML files go (default: out/, which git ignores).
 *
 * Without FMOPS_MODEL_ID it starts a stand-in on 127.0.0.1 that speaks Bedrock's real
 * ConverseStream protocol and answers faster when the request asks for
 * `performanceConfig.latency = "optimized"`, so the comparison has something to show.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { BedrockRuntimeClient } from "@aws-sdk/client-bedrock-runtime";
import { BedrockChatModel } from "../src/models/index.js";
import {
  compareRuns,
  loadTestJsonl,
  renderLoadTestHtml,
  runLoadTest,
} from "../src/monitoring/index.js";
import { converseStreamFrames, startBedrockRuntime } from "../test/emulators/index.js";

const ANSWER =
  "Latency-optimized inference runs the model on faster hardware paths, cutting time to first token.".split(
    /(?<= )/,
  );

async function main(): Promise<void> {
  const modelId = process.env.FMOPS_MODEL_ID;
  const standIn = modelId
    ? undefined
    : await startBedrockRuntime({
        converseStream: ({ body }) => {
          const optimized = body.performanceConfig?.latency === "optimized";
          // A little jitter so the percentiles differ from the mean.
          const jitter = Math.round(Math.random() * 20);
          return [
            { delayMs: (optimized ? 60 : 140) + jitter },
            ...converseStreamFrames(ANSWER, {
              usage: { inputTokens: 12, outputTokens: ANSWER.length },
              delayMs: optimized ? 4 : 8,
            }),
          ];
        },
      });
  const client = standIn?.client ?? new BedrockRuntimeClient({});
  const id = modelId ?? "anthropic.claude-3-5-haiku-20241022-v1:0";
  const result = await runLoadTest({
    configs: [
      { name: "standard", model: new BedrockChatModel({ client, modelId: id }) },
      {
        name: "optimized",
        model: new BedrockChatModel({
          client,
          modelId: id,
          performanceConfig: { latency: "optimized" },
        }),
      },
    ],
    prompts: [
      "What does latency-optimized inference change?",
      "Explain time to first token in one sentence.",
    ],
    concurrency: [1, 4],
    requestsPerLevel: 20,
    onProgress: (p) =>
      process.stderr.write(`\r${p.config} c=${p.concurrency} ${p.done}/${p.total}   `),
  });
  process.stderr.write("\n");
  const comparisons = compareRuns(result, "standard", "optimized");
  const pct = (v: number) => `${v > 0 ? "+" : ""}${(v * 100).toFixed(1)}%`;
  for (const c of comparisons) {
    console.log(`\noptimized vs standard, concurrency ${c.concurrency}`);
    for (const m of c.metrics.filter((x) => ["ttftMs", "e2eMs", "otps"].includes(x.metric))) {
      console.log(
        `  ${m.metric.padEnd(7)} p50 ${m.baseline.p50.toFixed(1)} -> ${m.candidate.p50.toFixed(1)} (${pct(m.change.p50)})  ` +
          `p90 ${m.baseline.p90.toFixed(1)} -> ${m.candidate.p90.toFixed(1)} (${pct(m.change.p90)})`,
      );
    }
  }
  const outDir = process.env.FMOPS_OUT_DIR ?? "out";
  await mkdir(outDir, { recursive: true });
  const jsonl = join(outDir, "monitor-latency.jsonl");
  const html = join(outDir, "monitor-latency.html");
  await writeFile(jsonl, loadTestJsonl(result));
  await writeFile(
    html,
    renderLoadTestHtml(result, { title: "Standard vs latency-optimized", comparisons }),
  );
  console.log(`\nwrote ${jsonl} and ${html}`);
  await standIn?.close();
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? `${err.name}: ${err.message}` : err);
  process.exitCode = 1;
});
