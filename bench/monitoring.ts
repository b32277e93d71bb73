/**
 * Benchmark: monitoring overhead and accuracy.
 *
 *  - overhead per instrumented call, in microseconds: the same FakeChatModel called directly and
 *    through `instrument` (no sinks; a MemorySink; a MemorySink plus two offline metric modules),
 *    for `generate` and for a 20-delta `stream`. Overhead = instrumented − direct, median of runs.
 *  - EMF serialization throughput: records/s and MB/s through EmfSink into a discarding output.
 *  - t-digest error on 10^6 samples (δ = 200) from uniform, exponential and log-normal
 *    distributions: |rank(estimate) − q| at p50/p90/p99/p999, in percentage points of rank.
 *
 * Usage: `npm run bench -- monitoring [--calls 20000] [--runs 5]`. Prints one JSON line.
 */
import type { ChatModel } from "../src/models/types.js";
import { EmfSink } from "../src/monitoring/emf-sink.js";
import { instrument } from "../src/monitoring/instrument.js";
import { offlineLexiconSentiment, offlineLexiconToxicity } from "../src/monitoring/lexicon.js";
import type { InvocationRecord } from "../src/monitoring/record.js";
import { TDigest } from "../src/monitoring/tdigest.js";
import { MemorySink } from "../src/monitoring/types.js";
import { FakeChatModel } from "../src/testing/fake-chat-model.js";
import { mulberry32 } from "../test/support/random.js";

const args = new Map<string, string>();
for (let i = 2; i + 1 < process.argv.length; i += 2) {
  args.set((process.argv[i] as string).replace(/^--/, ""), process.argv[i + 1] as string);
}
const CALLS = Number(args.get("calls") ?? 20_000);
const RUNS = Number(args.get("runs") ?? 5);

const request = {
  messages: [{ role: "user" as const, content: "Tell me about lakes and rivers" }],
};
const ANSWER = Array.from({ length: 20 }, (_, i) => `word${i}`).join(" ");

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

async function perCallMicros(
  model: ChatModel,
  mode: "generate" | "stream",
  calls: number,
): Promise<number> {
  const t0 = performance.now();
  for (let i = 0; i < calls; i++) {
    if (mode === "generate") await model.generate(request);
    else for await (const _ of model.stream(request));
  }
  return ((performance.now() - t0) * 1000) / calls;
}

async function overhead(mode: "generate" | "stream") {
  const variants: Record<string, () => { model: ChatModel; done: () => Promise<void> }> = {
    direct: () => ({ model: new FakeChatModel({ responses: () => ANSWER }), done: async () => {} }),
    instrumented: () => {
      const m = instrument(new FakeChatModel({ responses: () => ANSWER }));
      return { model: m, done: () => m.flush() };
    },
    instrumentedMemorySink: () => {
      const m = instrument(new FakeChatModel({ responses: () => ANSWER }), {
        sinks: [new MemorySink()],
      });
      return { model: m, done: () => m.flush() };
    },
    instrumentedWithMetrics: () => {
      const m = instrument(new FakeChatModel({ responses: () => ANSWER }), {
        sinks: [new MemorySink()],
        metrics: [offlineLexiconSentiment(), offlineLexiconToxicity()],
      });
      return { model: m, done: () => m.flush() };
    },
  };
  const calls = mode === "generate" ? CALLS : Math.max(1000, Math.floor(CALLS / 4));
  const results: Record<string, number> = {};
  for (const [name, make] of Object.entries(variants)) {
    const samples: number[] = [];
    for (let run = 0; run < RUNS; run++) {
      const { model, done } = make();
      await perCallMicros(model, mode, Math.min(500, calls)); // warm-up
      samples.push(await perCallMicros(model, mode, calls));
      await done();
    }
    results[name] = median(samples);
  }
  const direct = results.direct as number;
  return {
    callsPerRun: calls,
    directUs: round(direct),
    overheadUs: {
      noSinks: round((results.instrumented as number) - direct),
      memorySink: round((results.instrumentedMemorySink as number) - direct),
      memorySinkAndTwoMetricModules: round((results.instrumentedWithMetrics as number) - direct),
    },
  };
}

function emfThroughput() {
  const records: InvocationRecord[] = Array.from({ length: 10_000 }, (_, i) => ({
    modelId: "bedrock:anthropic.claude-3-haiku-20240307-v1:0",
    provider: "aws.bedrock",
    operation: "chat.stream",
    streaming: true,
    startTime: Date.UTC(2024, 0, 1) + i,
    status: "ok",
    ttftMs: 100 + (i % 50),
    e2eMs: 900 + (i % 300),
    otps: 60 + (i % 7),
    e2eOtps: 50,
    inputTokens: 200,
    outputTokens: 300,
    requestId: `req-${i}`,
    dimensions: { application: "bench" },
    metrics: { semanticSimilarity: 0.8, refusalScore: 0.1 },
  }));
  const out: Record<string, unknown> = {};
  for (const aggregate of [false, true]) {
    let bytes = 0;
    const sink = new EmfSink({
      namespace: "Bench/GenAI",
      dimensions: [["ModelId"], ["ModelId", "application"]],
      output: { write: (s: string) => (bytes += s.length) },
      aggregate,
      maxBufferedRecords: 1000,
    });
    const samples: number[] = [];
    for (let run = 0; run < RUNS; run++) {
      const t0 = performance.now();
      for (const r of records) sink.write(r);
      sink.flush();
      samples.push(performance.now() - t0);
    }
    const ms = median(samples);
    out[aggregate ? "aggregated" : "perRecord"] = {
      recordsPerSecond: Math.round(records.length / (ms / 1000)),
      mbPerSecond: round(bytes / RUNS / 1e6 / (ms / 1000)),
      bytesPerRecord: round(bytes / RUNS / records.length),
    };
  }
  return out;
}

function digestError() {
  const N = 1_000_000;
  const random = mulberry32(42);
  const distributions: Record<string, () => number> = {
    uniform: () => random() * 1000,
    exponential: () => -Math.log(1 - random()) * 200,
    lognormal: () => {
      const u = 1 - random();
      const v = random();
      return Math.exp(5 + 0.8 * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v));
    },
  };
  const out: Record<string, unknown> = {};
  for (const [name, draw] of Object.entries(distributions)) {
    const values = new Float64Array(N);
    const digest = new TDigest({ compression: 200 });
    const t0 = performance.now();
    for (let i = 0; i < N; i++) {
      const v = draw();
      values[i] = v;
      digest.add(v);
    }
    const addNsPerValue = ((performance.now() - t0) * 1e6) / N;
    values.sort();
    const rankError: Record<string, number> = {};
    for (const q of [0.5, 0.9, 0.99, 0.999]) {
      const est = digest.quantile(q);
      // rank of the estimate: share of values below it (binary search)
      let lo = 0;
      let hi = N;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if ((values[mid] as number) < est) lo = mid + 1;
        else hi = mid;
      }
      rankError[`p${String(q * 100).replace(".", "")}`] = round(Math.abs(lo / N - q) * 100, 4);
    }
    out[name] = {
      rankErrorPercentagePoints: rankError,
      centroids: digest.centroids,
      addNsPerValue: round(addNsPerValue),
    };
  }
  return out;
}

function round(n: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

const result = {
  benchmark: "monitoring",
  node: process.version,
  runs: RUNS,
  overheadGenerate: await overhead("generate"),
  overheadStream20Deltas: await overhead("stream"),
  emf: emfThroughput(),
  tdigest1e6: digestError(),
};
console.log(JSON.stringify(result));
