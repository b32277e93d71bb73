// Runs under Deno against the BUILT package (dist/), the way a Deno program or a Deno Jupyter
// notebook uses fmops: real AWS SDK client, real event-stream protocol, local stand-in only.

import { FmopsError, LineIterator, retry, ValidationError } from "../../dist/index.js";
import { SageMakerChatModel } from "../../dist/models/index.js";
import { FakeChatModel } from "../../dist/testing/index.js";
import { DuckDbEngine } from "../../dist/text2sql/index.js";
import { startSageMakerRuntime } from "../emulators/sagemaker-runtime.ts";

function check(condition: unknown, what: string): void {
  if (!condition) throw new Error(`deno smoke: ${what}`);
}

// 1. A scripted model streams through TokenStream.
const fake = new FakeChatModel({ responses: ["Deno runs fmops."] });
const stream = fake.stream({ messages: [{ role: "user", content: "hi" }] });
let streamed = "";
for await (const delta of stream) streamed += delta;
check(streamed === "Deno runs fmops.", `fake stream gave ${JSON.stringify(streamed)}`);
check(stream.latency !== undefined, "latency recorded");

// 2. Lines split inside a multi-byte character are reassembled.
const bytes = new TextEncoder().encode("grüße\nno newline at the end");
const chunks = async function* () {
  for (let i = 0; i < bytes.length; i += 3) yield bytes.slice(i, i + 3);
};
const lines: string[] = [];
for await (const line of new LineIterator(chunks())) lines.push(line);
check(lines.join("|") === "grüße|no newline at the end", `lines were ${JSON.stringify(lines)}`);

// 3. retry() and the error hierarchy behave as in Node.
let attempts = 0;
const value = await retry(
  async () => {
    attempts++;
    if (attempts < 3) throw new FmopsError("FLAKY", "try again", { retryable: true });
    return "ok";
  },
  { baseDelayMs: 1 },
);
check(value === "ok" && attempts === 3, "retry made three attempts");
try {
  new SageMakerChatModel({ endpointName: "", format: "tgi" });
  check(false, "invalid options were accepted");
} catch (err) {
  check(err instanceof ValidationError, "ValidationError is the same class across entry points");
}

// 4. The real SageMaker Runtime client streams TGI events from a stand-in on 127.0.0.1.
const standIn = await startSageMakerRuntime({
  invokeEndpointWithResponseStream: () => ({
    contentType: "text/event-stream",
    frames: ["Hello", " from", " Deno"].map((text, i) => ({
      payload: `data:${JSON.stringify({ token: { id: i, text, special: false }, generated_text: null, details: null })}\n\n`,
    })),
  }),
});
try {
  const model = new SageMakerChatModel({
    client: standIn.client,
    endpointName: "deno-tgi",
    format: "tgi",
  });
  const text = await model.stream({ messages: [{ role: "user", content: "hi" }] }).text();
  check(text === "Hello from Deno", `SageMaker stream gave ${JSON.stringify(text)}`);
} finally {
  await standIn.close();
}

// 5. This run has no --allow-ffi: DuckDB's native addon is refused, and the error says what to grant.
try {
  await new DuckDbEngine().execute("SELECT 1");
  check(false, "DuckDB loaded without --allow-ffi");
} catch (err) {
  check(
    err instanceof FmopsError &&
      err.code === "RUNTIME_PERMISSION_DENIED" &&
      err.message.includes("--allow-ffi"),
    `DuckDB without --allow-ffi gave ${String(err)}`,
  );
}

console.log(
  "deno smoke: ok (fake model, line iterator, retry, errors, SageMaker stream over the real SDK, DuckDB refused without --allow-ffi)",
);
