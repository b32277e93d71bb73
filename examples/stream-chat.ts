/**
 * Streams a chat answer from a SageMaker endpoint to the terminal, then prints usage and latency.
 *
 *   npm run demo:stream                            # against a local SageMaker stand-in (no AWS needed)
 *   FMOPS_ENDPOINT=my-tgi-endpoint AWS_REGION=us-east-1 npm run demo:stream -- "Your question"
 *
 * With FMOPS_ENDPOINT set it talks to your real endpoint (FMOPS_FORMAT: tgi | lmi | openai,
 * FMOPS_TEMPLATE: plain | llama3 | mistral | chatml). Without it, it starts a stand-in on 127.0.0.1
 * that speaks SageMaker's real event-stream protocol and serves a TGI-style stream cut into
 * awkward chunks (split mid-line and mid-character), so you can see the decoder put it together.
 */
import { SageMakerRuntimeClient } from "@aws-sdk/client-sagemaker-runtime";
import type { SageMakerPayloadFormat } from "../src/models/index.js";
import { SageMakerChatModel } from "../src/models/index.js";
import { type SageMakerStreamFrame, startSageMakerRuntime } from "../test/emulators/index.js";

const question = process.argv.slice(2).join(" ") || "Why do streaming clients need a line buffer?";

const ANSWER =
  "Because a response stream arrives in byte chunks that ignore line boundaries: one chunk may end " +
  "halfway through a JSON line, or even halfway through a UTF-8 character like “é”, and another may " +
  "carry several events at once. A line buffer joins the pieces and hands out whole lines. ✅";

/**
 * A TGI server-sent-event stream of ANSWER, one event per word, re-cut into 7-byte frames. As a
 * real TGI server does for a complete answer, the last event is the special end-of-sequence
 * token with `finish_reason: "eos_token"` (`length` would mean the answer was cut off).
 */
function* tgiFrames(): Generator<SageMakerStreamFrame> {
  const words = ANSWER.split(/(?<= )/);
  const events = words.map(
    (text, i) =>
      `data:${JSON.stringify({
        index: i,
        token: { id: i, text, logprob: -0.2, special: false },
        generated_text: null,
        details: null,
      })}\n\n`,
  );
  events.push(
    `data:${JSON.stringify({
      index: words.length,
      token: { id: words.length, text: "</s>", logprob: -0.01, special: true },
      generated_text: ANSWER,
      details: { finish_reason: "eos_token", generated_tokens: words.length + 1, seed: null },
    })}\n\n`,
  );
  const bytes = new TextEncoder().encode(events.join(""));
  for (let at = 0; at < bytes.length; at += 7) {
    yield { payload: bytes.slice(at, at + 7) };
    if (at % 63 === 0) yield { delayMs: 15 };
  }
}

async function main(): Promise<void> {
  const endpointName = process.env.FMOPS_ENDPOINT || undefined;
  const standIn = endpointName
    ? undefined
    : await startSageMakerRuntime({
        invokeEndpointWithResponseStream: () => ({
          frames: tgiFrames(),
          contentType: "text/event-stream",
        }),
      });

  const controller = new AbortController();
  process.once("SIGINT", () => controller.abort());
  try {
    const model = new SageMakerChatModel({
      client: standIn?.client ?? new SageMakerRuntimeClient({}),
      endpointName: endpointName ?? "demo-tgi",
      format: (process.env.FMOPS_FORMAT as SageMakerPayloadFormat | undefined) ?? "tgi",
      chatTemplate: (process.env.FMOPS_TEMPLATE as "plain" | undefined) ?? "plain",
    });
    console.log(`> ${question}\n`);
    const stream = model.stream(
      { messages: [{ role: "user", content: question }], maxTokens: 256 },
      { signal: controller.signal, timeoutMs: 120_000 },
    );
    for await (const delta of stream) process.stdout.write(delta);
    console.log("\n");
    console.log(`model:       ${model.id}${standIn ? " (local stand-in)" : ""}`);
    console.log(`stop reason: ${stream.stopReason}`);
    console.log(`usage:       ${JSON.stringify(stream.usage)}`);
    const latency = stream.latency;
    if (latency) {
      const ms = (n: number | undefined) => (n === undefined ? "n/a" : `${n.toFixed(1)} ms`);
      const rate = (n: number | undefined) =>
        n === undefined ? "n/a" : `${n.toFixed(1)} tokens/s`;
      console.log(`latency:     TTFT ${ms(latency.ttftMs)}, end to end ${ms(latency.e2eMs)}`);
      console.log(
        `throughput:  ${rate(latency.otps)} after the first token, ${rate(latency.e2eOtps)} end to end`,
      );
    }
  } finally {
    await standIn?.close();
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? `${err.name}: ${err.message}` : err);
  process.exitCode = 1;
});
