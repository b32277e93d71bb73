/**
 * Runs a batch through a SageMaker asynchronous endpoint: uploads each payload to S3, invokes the
 * endpoint, waits for every result (or failure) with bounded concurrency, and prints a summary.
 *
 *   node --import tsx examples/async-batch.ts            # against local stand-ins (no AWS needed)
 *   FMOPS_ASYNC_ENDPOINT=my-async-endpoint FMOPS_ASYNC_INPUT=s3://my-bucket/async-inputs/ \
 *     AWS_REGION=us-east-1 node --import tsx examples/async-batch.ts
 *
 * With FMOPS_ASYNC_ENDPOINT set it talks to your endpoint (payloads are `{ "inputs": "<prompt>" }`,
 * the shape TGI / LMI / JumpStart text containers take). Without it, it starts s3rver and a
 * SageMaker Runtime stand-in on 127.0.0.1 whose "model" uppercases the prompt after a random
 * delay, and fails on purpose for a prompt containing "fail", so you see both outcomes.
 */
import { AsyncEndpoint } from "../src/async/index.js";
import { startS3, startSageMakerRuntime } from "../test/emulators/index.js";

const prompts = [
  "What is asynchronous inference?",
  "Summarize: queues absorb bursts; instances scale to zero when idle.",
  "Please fail this one, to show a failure object.",
  "Translate 'bonjour' to English.",
  "Name three uses of S3 event notifications.",
  "Why watch the output and the error object together?",
];

async function main(): Promise<void> {
  const endpointName = process.env.FMOPS_ASYNC_ENDPOINT;
  const inputLocation = process.env.FMOPS_ASYNC_INPUT ?? "s3://inputs/async-batch/";
  const s3 = endpointName ? undefined : await startS3({ buckets: ["inputs", "results"] });
  const runtime =
    s3 &&
    (await startSageMakerRuntime({
      s3,
      asyncOutputLocation: "s3://results/output/",
      asyncFailureLocation: "s3://results/failure/",
      asyncDelayMs: () => 100 + Math.floor(Math.random() * 900),
      invokeEndpointAsync: (input) => {
        const { inputs } = JSON.parse(new TextDecoder().decode(input)) as { inputs: string };
        if (inputs.includes("fail")) return { failure: `ValueError: refusing prompt "${inputs}"` };
        return { output: [{ generated_text: inputs.toUpperCase() }] };
      },
    }));

  const endpoint = new AsyncEndpoint({
    endpointName: endpointName ?? "demo-async",
    inputLocation,
    ...(runtime && s3 ? { sagemakerRuntime: runtime.client, s3: s3.client } : {}),
  });

  const controller = new AbortController();
  process.once("SIGINT", () => controller.abort());
  const started = Date.now();
  try {
    console.log(
      `Submitting ${prompts.length} requests to ${endpoint.endpointName}${runtime ? " (local stand-in)" : ""}...`,
    );
    const outcomes = await endpoint.invokeMany(
      prompts.map((inputs) => ({ inputs, parameters: { max_new_tokens: 128 } })),
      {
        concurrency: 3,
        signal: controller.signal,
        wait: { timeoutMs: 30 * 60_000 },
        onProgress: (p) =>
          console.log(`  [${p.completed}/${p.total}] #${p.outcome.index} ${p.outcome.status}`),
      },
    );
    console.log("");
    for (const outcome of outcomes) {
      const prompt = prompts[outcome.index];
      if (outcome.status === "succeeded") {
        console.log(`ok     ${prompt}\n       -> ${await outcome.result.text()}`);
      } else {
        console.log(`failed ${prompt}\n       -> ${outcome.error.code}: ${outcome.error.message}`);
      }
    }
    const ok = outcomes.filter((o) => o.status === "succeeded").length;
    console.log(`\n${ok} succeeded, ${outcomes.length - ok} failed in ${Date.now() - started} ms.`);
  } finally {
    await runtime?.close();
    await s3?.close();
  }
}

await main();
