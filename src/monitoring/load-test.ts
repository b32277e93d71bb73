/**
 * {@link runLoadTest}: calls models at several concurrency levels, records every call, and
 * compares configurations percentile by percentile.
 *
 * @module
 */
import { z } from "zod";
import type { ChatRequest } from "../core/index.js";
import { parseOptions } from "../core/index.js";
import { abortError, schemaFor } from "../core/internal.js";
import type { ChatModel } from "../models/index.js";
import { chatModelSchema } from "../models/internal.js";
import { type MonitorClock, systemClock } from "./clock.js";
import { measureGenerate, measureStream } from "./measure.js";
import type { InvocationRecord } from "./record.js";
import { type Summary, summarize } from "./summarize.js";

/** One configuration under test: a name and the model configured that way. */
export interface LoadTestConfig {
  /** Shown in reports, e.g. `latency-optimized`. */
  name: string;
  /** The model to call, configured for this configuration. */
  model: ChatModel;
}

/** Progress of a load test, reported after every call. */
export interface LoadTestProgress {
  /** Name of the configuration being run. */
  config: string;
  /** The concurrency level being run. */
  concurrency: number;
  /** Calls finished at this level. */
  done: number;
  /** Calls planned at this level. */
  total: number;
  /** Calls finished in the whole test. */
  overallDone: number;
  /** Calls planned in the whole test: configurations × levels × `requestsPerLevel`. */
  overallTotal: number;
  /** Failed calls so far at this level. */
  errors: number;
}

/** Options for {@link runLoadTest}. */
export interface LoadTestOptions {
  /** The model under test, when there is one configuration. */
  model?: ChatModel;
  /** Configurations to compare (each run at every concurrency level). */
  configs?: LoadTestConfig[];
  /** Requests (or plain user prompts), used round-robin. */
  prompts: (ChatRequest | string)[];
  /** Concurrency levels, e.g. `[1, 4, 16]`. Default `[1]`. */
  concurrency?: number[];
  /** Calls per configuration and level. Default 20. */
  requestsPerLevel?: number;
  /** Stream the answers (measures TTFT and decode OTPS). Default true. */
  stream?: boolean;
  /** Per-call time limit, milliseconds. Default 120 000. */
  timeoutMs?: number;
  /** Stops the test; calls in flight are aborted. */
  signal?: AbortSignal;
  /** Called after every finished call; exceptions it throws are ignored. */
  onProgress?: (progress: LoadTestProgress) => void;
  /** Receives every record as it is produced (for example a {@link JsonlSink}'s write). */
  onRecord?: (record: InvocationRecord) => void;
  /** Dimensions added to every record. */
  dimensions?: Record<string, string>;
  /** Time source for durations and timestamps. Default `systemClock`. */
  clock?: MonitorClock;
}

/** One configuration at one concurrency level. */
export interface LoadTestRun {
  /** Name of the configuration. */
  config: string;
  /** Calls kept in flight at once. */
  concurrency: number;
  /** One record per call, in the order the calls finished. */
  records: InvocationRecord[];
  /** Statistics of `records`. */
  summary: Summary;
  /** Wall time of the level, milliseconds. */
  durationMs: number;
  /** Finished calls per second over the level. */
  requestsPerSecond: number;
}

/** What {@link runLoadTest} returns. */
export interface LoadTestResult {
  /** One run per configuration and concurrency level, configurations in order, then levels. */
  runs: LoadTestRun[];
  /** When the test started, ms since the epoch. */
  startTime: number;
}

const fn = (v: unknown) => typeof v === "function";
const modelSchema = chatModelSchema(true);
const optionsSchema = schemaFor<LoadTestOptions>()(
  z
    .object({
      model: modelSchema.optional(),
      configs: z
        .array(z.object({ name: z.string().min(1), model: modelSchema }))
        .min(1)
        .optional(),
      prompts: z
        .array(
          z.union([
            z.string().min(1),
            z.custom<ChatRequest>(
              (v) =>
                typeof v === "object" && v !== null && Array.isArray((v as ChatRequest).messages),
              "must be a ChatRequest",
            ),
          ]),
        )
        .min(1, "needs at least one prompt"),
      concurrency: z.array(z.int().min(1).max(1024)).min(1).optional(),
      requestsPerLevel: z.int().min(1).max(1_000_000).optional(),
      stream: z.boolean().optional(),
      timeoutMs: z.number().positive().max(3_600_000).optional(),
      signal: z.instanceof(AbortSignal).optional(),
      onProgress: z.custom<LoadTestOptions["onProgress"]>(fn).optional(),
      onRecord: z.custom<LoadTestOptions["onRecord"]>(fn).optional(),
      dimensions: z.record(z.string(), z.string()).optional(),
      clock: z.custom<MonitorClock>((v) => typeof v === "object" && v !== null).optional(),
    })
    .strict()
    .refine((o) => (o.model === undefined) !== (o.configs === undefined), {
      message: "pass exactly one of model or configs",
      path: ["model"],
    }),
);

const asRequest = (p: ChatRequest | string): ChatRequest =>
  typeof p === "string" ? { messages: [{ role: "user", content: p }] } : p;

/**
 * Runs each configuration at each concurrency level: `requestsPerLevel` calls, at most
 * `concurrency` at a time, each recorded (TTFT, end to end, OTPS both ways, tokens, errors) and
 * summarized. Failed calls are recorded, never thrown; aborting `signal` stops the test and
 * rejects with `ABORTED`.
 *
 * @example
 * ```ts
 * const result = await runLoadTest({
 *   configs: [
 *     { name: "standard", model: new BedrockChatModel({ modelId }) },
 *     { name: "optimized", model: new BedrockChatModel({ modelId, performanceConfig: { latency: "optimized" } }) },
 *   ],
 *   prompts: ["Summarize the water cycle."],
 *   concurrency: [1, 4, 16],
 *   requestsPerLevel: 50,
 * });
 * compareRuns(result, "standard", "optimized");
 * ```
 */
export async function runLoadTest(options: LoadTestOptions): Promise<LoadTestResult> {
  const parsed = parseOptions(optionsSchema, options, "runLoadTest options");
  const clock = parsed.clock ?? systemClock;
  const configs = parsed.configs ?? [
    { name: (parsed.model as ChatModel).id, model: parsed.model as ChatModel },
  ];
  const levels = parsed.concurrency ?? [1];
  const perLevel = parsed.requestsPerLevel ?? 20;
  const prompts = parsed.prompts.map(asRequest);
  const overallTotal = configs.length * levels.length * perLevel;
  let overallDone = 0;
  const runs: LoadTestRun[] = [];
  const startTime = clock.epochMs();
  for (const config of configs) {
    for (const concurrency of levels) {
      if (parsed.signal?.aborted) throw abortError(parsed.signal);
      const records: InvocationRecord[] = [];
      let next = 0;
      let errors = 0;
      const started = clock.now();
      const worker = async () => {
        while (next < perLevel) {
          if (parsed.signal?.aborted) return;
          const index = next++;
          const record = await callOnce(
            config,
            prompts[index % prompts.length] as ChatRequest,
            concurrency,
            parsed,
            clock,
          );
          records.push(record);
          if (record.status === "error") errors++;
          overallDone++;
          try {
            parsed.onRecord?.(record);
            parsed.onProgress?.({
              config: config.name,
              concurrency,
              done: records.length,
              total: perLevel,
              overallDone,
              overallTotal,
              errors,
            });
          } catch {
            // Reporting must not stop the test.
          }
        }
      };
      await Promise.all(Array.from({ length: Math.min(concurrency, perLevel) }, worker));
      if (parsed.signal?.aborted) throw abortError(parsed.signal);
      const durationMs = clock.now() - started;
      runs.push({
        config: config.name,
        concurrency,
        records,
        summary: summarize(records),
        durationMs,
        requestsPerSecond: durationMs > 0 ? records.length / (durationMs / 1000) : 0,
      });
    }
  }
  return { runs, startTime };
}

async function callOnce(
  config: LoadTestConfig,
  request: ChatRequest,
  concurrency: number,
  options: LoadTestOptions,
  clock: MonitorClock,
): Promise<InvocationRecord> {
  let record: InvocationRecord | undefined;
  const measure = {
    modelId: config.model.id,
    clock,
    signal: options.signal,
    dimensions: { ...options.dimensions, config: config.name, concurrency: String(concurrency) },
    onEnd: (call: { record: InvocationRecord }) => {
      record = call.record;
    },
  };
  const callOptions = {
    timeoutMs: options.timeoutMs ?? 120_000,
    ...(options.signal ? { signal: options.signal } : {}),
  };
  try {
    if (options.stream ?? true) {
      const stream = measureStream(config.model.stream(request, callOptions), measure);
      for await (const _ of stream);
    } else {
      await measureGenerate(() => config.model.generate(request, callOptions), measure);
    }
  } catch {
    // Recorded as an error; a load test keeps going.
  }
  return record as InvocationRecord;
}

/** The relative change of one metric between two runs, per statistic. */
export interface MetricComparison {
  /** The metric's name, e.g. `ttftMs`. */
  metric: string;
  /** The baseline's statistics, in the metric's unit. */
  baseline: {
    /** Mean. */
    mean: number;
    /** Median. */
    p50: number;
    /** 90th percentile. */
    p90: number;
    /** 99th percentile. */
    p99: number;
  };
  /** The candidate's statistics, in the metric's unit. */
  candidate: {
    /** Mean. */
    mean: number;
    /** Median. */
    p50: number;
    /** 90th percentile. */
    p90: number;
    /** 99th percentile. */
    p99: number;
  };
  /**
   * `(candidate − baseline) / |baseline|` per statistic; negative means lower (faster for
   * latency). A zero baseline gives 0 when the candidate is also 0, else `Infinity`.
   */
  change: {
    /** Relative change of the mean. */
    mean: number;
    /** Relative change of the median. */
    p50: number;
    /** Relative change of the 90th percentile. */
    p90: number;
    /** Relative change of the 99th percentile. */
    p99: number;
  };
}

/** Baseline vs candidate at one concurrency level. */
export interface RunComparison {
  /** The concurrency level both configurations ran at. */
  concurrency: number;
  /** Name of the baseline configuration. */
  baseline: string;
  /** Name of the candidate configuration. */
  candidate: string;
  /** Share of calls with status `error` (0 to 1) in each run. */
  errorRate: {
    /** The baseline run's error rate. */
    baseline: number;
    /** The candidate run's error rate. */
    candidate: number;
  };
  /** One comparison per metric both runs have. */
  metrics: MetricComparison[];
}

const STATS = ["mean", "p50", "p90", "p99"] as const;

/** Compares two summaries metric by metric (the metrics both have). */
export function compareSummaries(baseline: Summary, candidate: Summary): MetricComparison[] {
  const out: MetricComparison[] = [];
  for (const [metric, b] of Object.entries(baseline.metrics)) {
    const c = candidate.metrics[metric];
    if (!c) continue;
    const pick = (s: typeof b) => ({ mean: s.mean, p50: s.p50, p90: s.p90, p99: s.p99 });
    const change = Object.fromEntries(
      STATS.map((k) => [
        k,
        b[k] === 0 ? (c[k] === 0 ? 0 : Number.POSITIVE_INFINITY) : (c[k] - b[k]) / Math.abs(b[k]),
      ]),
    ) as MetricComparison["change"];
    out.push({ metric, baseline: pick(b), candidate: pick(c), change });
  }
  return out;
}

/**
 * Compares configuration `candidate` against `baseline` at every concurrency level both ran:
 * the relative change of mean, p50, p90 and p99 of each metric.
 */
export function compareRuns(
  result: LoadTestResult,
  baseline: string,
  candidate: string,
): RunComparison[] {
  const comparisons: RunComparison[] = [];
  for (const b of result.runs.filter((r) => r.config === baseline)) {
    const c = result.runs.find((r) => r.config === candidate && r.concurrency === b.concurrency);
    if (!c) continue;
    comparisons.push({
      concurrency: b.concurrency,
      baseline,
      candidate,
      errorRate: { baseline: b.summary.errorRate, candidate: c.summary.errorRate },
      metrics: compareSummaries(b.summary, c.summary),
    });
  }
  return comparisons;
}

/** Every record of a load test as JSON Lines. */
export function loadTestJsonl(result: LoadTestResult): string {
  return result.runs
    .flatMap((run) => run.records.map((r) => JSON.stringify(r)))
    .join("\n")
    .concat("\n");
}
