/**
 * How quickly does `wait()` notice an async inference result, and at what S3 request cost?
 *
 * 200 invocations, all in flight at once, go through the real SageMaker Runtime and S3 clients to
 * the local stand-ins (SageMaker Runtime stand-in + an in-memory S3 that answers in well under a
 * millisecond, so the figures measure the polling strategy, not the stand-in). Each result
 * appears after a random delay between 0.5 s and 120 s (seeded). The same schedule runs twice:
 * with fmops' default backoff (250 ms .. 2 s) and with the Python SDK's strategy (a HeadObject on
 * the output and the failure key every 15 s). Detection delay = the moment `wait()` returns minus
 * the moment the stand-in started writing the output object.
 *
 *   npm run bench -- async-detect          # about 5 minutes: real time, no scaling
 *
 * FMOPS_BENCH_TIME_SCALE=10 divides every delay by 10 for a quick run (the stand-in's own latency
 * then weighs 10x more); FMOPS_BENCH_CONCURRENCY limits invocations in flight; FMOPS_BENCH_S3=s3rver
 * probes the disk-backed s3rver instead of the in-memory S3.
 */
import { Agent } from "node:http";
import { S3Client } from "@aws-sdk/client-s3";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import { AsyncEndpoint } from "../src/async/index.js";
import { DEFAULT_MAX_DELAY_MS, DEFAULT_MIN_DELAY_MS } from "../src/async/poller.js";
import {
  startMemoryS3,
  startS3,
  startSageMakerRuntime,
  testCredentials,
  testRegion,
} from "../test/emulators/index.js";
import { mulberry32 } from "../test/support/random.js";

const INVOCATIONS = 200;
/** Divides every delay; larger runs faster but lets the stand-in's own latency weigh more. */
const TIME_SCALE = Number(process.env.FMOPS_BENCH_TIME_SCALE ?? 1);
/** Invocations in flight at once (s3rver, unlike S3, saturates under thousands of HEADs a second). */
const CONCURRENCY = Number(process.env.FMOPS_BENCH_CONCURRENCY ?? 200);
/** Which S3 stand-in answers the probes: "memory" (default) or "s3rver". */
const S3_KIND = process.env.FMOPS_BENCH_S3 === "s3rver" ? "s3rver" : "memory";
const MIN_RESULT_S = 0.5;
const MAX_RESULT_S = 120;
const PYTHON_DELAY_MS = 15_000;

function quantile(sorted: number[], q: number): number {
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[i] as number;
}

function countHeads(client: S3Client): { count: number; totalMs: number } {
  const counter = { count: 0, totalMs: 0 };
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName !== "HeadObjectCommand") return next(args);
      counter.count++;
      const started = performance.now();
      try {
        return await next(args);
      } finally {
        counter.totalMs += performance.now() - started;
      }
    },
    { step: "initialize", name: "countHeads" },
  );
  return counter;
}

async function run(label: string, minDelayMs: number, maxDelayMs: number, delaysMs: number[]) {
  // The in-memory S3 answers in well under a millisecond, so the figures measure the polling
  // strategy itself; FMOPS_BENCH_S3=s3rver uses the disk-backed s3rver instead.
  const s3 =
    S3_KIND === "s3rver"
      ? await startS3({ buckets: ["inputs", "results"] })
      : await startMemoryS3();
  const appearedAt = new Map<string, number>();
  const writtenAt = new Map<string, number>();
  const runtime = await startSageMakerRuntime({
    s3,
    asyncOutputLocation: "s3://results/out/",
    asyncFailureLocation: "s3://results/fail/",
    // The "model" takes the payload's delay, then the stand-in writes the output object.
    // Called right after the output object's PUT has returned.
    onAsyncNotification: (n) => {
      writtenAt.set(n.inferenceId, Date.now());
    },
    invokeEndpointAsync: async (input, request) => {
      const { delayMs } = JSON.parse(new TextDecoder().decode(input)) as { delayMs: number };
      await new Promise((resolve) => setTimeout(resolve, delayMs));
      // The object "appears" from the moment its PUT starts: a probe may see it before the PUT's
      // own response is back, so the start is the fair (pessimistic) reference point.
      appearedAt.set(request.inferenceId, Date.now());
      return { output: { ok: true } };
    },
  });
  // Enough sockets for every concurrent probe, so the client's pool does not queue them.
  const client = new S3Client({
    region: testRegion,
    endpoint: s3.endpoint,
    forcePathStyle: true,
    credentials: testCredentials,
    requestHandler: new NodeHttpHandler({
      httpAgent: new Agent({ keepAlive: true, maxSockets: 1_000 }),
    }),
  });
  const heads = countHeads(client);
  const endpoint = new AsyncEndpoint({
    endpointName: "bench",
    inputLocation: "s3://inputs/bench/",
    sagemakerRuntime: runtime.client,
    s3: client,
    minDelayMs,
    maxDelayMs,
  });
  try {
    const detection: number[] = [];
    const afterPut: number[] = [];
    const outcomes = await endpoint.invokeMany(
      delaysMs.map((delayMs) => ({ delayMs })),
      {
        concurrency: CONCURRENCY,
        wait: { timeoutMs: 600_000 },
        onProgress: ({ outcome }) => {
          const returned = Date.now();
          if (outcome.status !== "succeeded") throw outcome.error;
          const id = outcome.invocation.inferenceId;
          detection.push(returned - (appearedAt.get(id) as number));
          // Not yet set: wait() saw the object before its PUT had even returned.
          const putEnd = writtenAt.get(id);
          afterPut.push(putEnd === undefined ? 0 : Math.max(0, returned - putEnd));
        },
      },
    );
    const failed = outcomes.filter((o) => o.status === "failed");
    if (failed.length > 0) throw new Error(`${failed.length} invocations failed`);
    detection.sort((a, b) => a - b);
    afterPut.sort((a, b) => a - b);
    const median = quantile(detection, 0.5);
    const p90 = quantile(detection, 0.9);
    return {
      strategy: label,
      pollDelayMs: { min: minDelayMs * TIME_SCALE, max: maxDelayMs * TIME_SCALE },
      measured: { medianMs: median, p90Ms: p90 },
      measuredFromPutEnd: { medianMs: quantile(afterPut, 0.5), p90Ms: quantile(afterPut, 0.9) },
      meanHeadObjectLatencyMs: Number((heads.totalMs / Math.max(heads.count, 1)).toFixed(1)),
      realTime: { medianMs: median * TIME_SCALE, p90Ms: p90 * TIME_SCALE },
      headObjectPerInvocation: Number((heads.count / delaysMs.length).toFixed(1)),
    };
  } finally {
    client.destroy();
    await runtime.close();
    await s3.close();
  }
}

async function main(): Promise<void> {
  const random = mulberry32(42);
  const delaysMs = Array.from(
    { length: INVOCATIONS },
    () => ((MIN_RESULT_S + random() * (MAX_RESULT_S - MIN_RESULT_S)) * 1000) / TIME_SCALE,
  );
  const fmops = await run(
    "fmops defaults",
    Math.round(DEFAULT_MIN_DELAY_MS / TIME_SCALE),
    Math.round(DEFAULT_MAX_DELAY_MS / TIME_SCALE),
    delaysMs,
  );
  const python = await run(
    "python sdk (15 s fixed, both keys)",
    PYTHON_DELAY_MS / TIME_SCALE,
    PYTHON_DELAY_MS / TIME_SCALE,
    delaysMs,
  );
  console.log(
    JSON.stringify({
      benchmark: "async-detect",
      invocations: INVOCATIONS,
      concurrency: CONCURRENCY,
      resultDelaySeconds: [MIN_RESULT_S, MAX_RESULT_S],
      s3: S3_KIND,
      timeScale: `1/${TIME_SCALE} (all delays divided by ${TIME_SCALE}; realTime = measured x ${TIME_SCALE})`,
      fmops,
      python,
      medianSpeedup: Number(
        (python.measured.medianMs / Math.max(fmops.measured.medianMs, 1)).toFixed(1),
      ),
      p90Speedup: Number((python.measured.p90Ms / Math.max(fmops.measured.p90Ms, 1)).toFixed(1)),
      note: "HeadObject counts stop when wait() returns; the Python SDK's losing waiter thread keeps polling its key for up to 15 min more, which is not counted.",
    }),
  );
}

await main();
