/**
 * {@link FileTracker}: evaluation runs as plain files, for runs without a tracking server.
 * Node-only (`node:fs`, loaded on first use).
 *
 * @module
 */
import { z } from "zod";
import { FmopsError, parseOptions, redact, ValidationError } from "../../core/index.js";
import { abortError, schemaFor, throwIfAborted } from "../../core/internal.js";
import { VERSION } from "../../version.js";
import type { ModelResult, ModelSummary } from "../report/report.js";
import {
  type EvaluationTracker,
  hasControlCharacter,
  prepareRun,
  type TrackEvaluationOptions,
  type TrackedRun,
} from "./tracking.js";

/** Options of {@link FileTracker}. */
export interface FileTrackerOptions {
  /** The folder holding one sub-folder per experiment; created when missing. */
  directory: string;
  /**
   * The experiment, used as a folder name: 1 to 200 characters, not `.` or `..`, without
   * `/ \ : * ? " < > |` or control characters, not ending in a dot or space.
   */
  experimentName: string;
}

/** One run as {@link FileTracker} writes it to `run.json` and {@link FileTracker.listRuns} reads it back. */
export interface FileRun {
  /** Version of this layout: `1`. */
  schemaVersion: 1;
  /** The run's id (a random UUID). */
  runId: string;
  /** The run's name. */
  runName: string;
  /** The experiment's name. */
  experimentName: string;
  /** Always `FINISHED`: a run that failed midway is removed. */
  status: "FINISHED";
  /** When tracking started, in milliseconds since the epoch. */
  startTime: number;
  /** When it ended, in milliseconds since the epoch. */
  endTime: number;
  /** Parameters (sanitized keys, string values), as MLflow would store them. */
  params: Record<string, string>;
  /** The caller's tags (sanitized keys). */
  tags: Record<string, string>;
  /** The flat metrics of `evaluationMetrics`, the same keys MLflow gets. */
  metrics: Record<string, number>;
  /** The artifact paths, below `artifacts/` in the run folder. */
  artifacts: string[];
  /** The whole result, to compare runs or render with `renderEvaluationHtml`. */
  summary: ModelSummary;
  /** The fmops version that wrote it. */
  fmopsVersion: string;
}

/** A {@link FileRun} read back by {@link FileTracker.listRuns}, with where it lies. */
export interface StoredFileRun extends FileRun {
  /** The run's folder (`<directory>/<experiment>/<runId>`). */
  path: string;
}

const BAD_NAME = /[/\\:*?"<>|]/;

const optionsSchema = schemaFor<FileTrackerOptions>()(
  z
    .object({
      directory: z.string().min(1),
      experimentName: z
        .string()
        .min(1)
        .max(200)
        .refine((v) => v !== "." && v !== "..", 'must not be "." or ".."')
        .refine(
          (v) => !BAD_NAME.test(v) && !hasControlCharacter(v),
          'must not contain / \\ : * ? " < > | or control characters (it is a folder name)',
        )
        .refine((v) => !/[. ]$/.test(v), "must not end in a dot or a space"),
    })
    .strict(),
);

const runFileSchema = z.looseObject({
  schemaVersion: z.literal(1),
  runId: z.string().min(1),
  runName: z.string(),
  experimentName: z.string(),
  status: z.literal("FINISHED"),
  startTime: z.number(),
  endTime: z.number(),
  params: z.record(z.string(), z.string()),
  tags: z.record(z.string(), z.string()),
  metrics: z.record(z.string(), z.number()),
  artifacts: z.array(z.string()),
  summary: z.looseObject({ modelId: z.string() }),
  fmopsVersion: z.string(),
});

type Fs = typeof import("node:fs/promises");
type Path = typeof import("node:path");

async function nodeModules(): Promise<{ fs: Fs; path: Path }> {
  const [fs, path] = await Promise.all([import("node:fs/promises"), import("node:path")]);
  return { fs, path };
}

function writeFailed(what: string, err: unknown): FmopsError {
  const code = (err as { code?: unknown })?.code;
  return new FmopsError(
    "TRACKING_WRITE_FAILED",
    `Could not write ${redact(what)}${typeof code === "string" ? ` (${code})` : ""}. Check that the directory is writable and the disk has space.`,
    { cause: err },
  );
}

/**
 * Tracks evaluation runs as files, with the same metric, param and tag keys as `MlflowTracker`:
 *
 * ```
 * <directory>/<experimentName>/<runId>/run.json        the run: name, times, params, tags, metrics, summary
 * <directory>/<experimentName>/<runId>/artifacts/...   the artifacts
 * ```
 *
 * Every file is written atomically (a temporary file, then a rename), artifacts first and
 * `run.json` last; a run that fails midway (or is aborted) is removed, so every folder with a
 * `run.json` is a complete run. {@link FileTracker.listRuns} reads the runs back, oldest first.
 * Artifact paths that would leave the run folder are a `ValidationError`.
 *
 * @example
 * ```ts
 * const tracker = new FileTracker({ directory: "eval-runs", experimentName: "qa" });
 * await tracker.trackEvaluation(result, { params: { prompt: "qa@3" } });
 * const runs = await tracker.listRuns();
 * const html = renderEvaluationHtml(runs.map((r) => r.summary));
 * ```
 */
export class FileTracker implements EvaluationTracker {
  /** The folder holding the experiments. */
  readonly directory: string;
  /** The experiment's name (its folder). */
  readonly experimentName: string;

  constructor(options: FileTrackerOptions) {
    const o = parseOptions(optionsSchema, options, "FileTracker options");
    this.directory = o.directory;
    this.experimentName = o.experimentName;
  }

  /** Writes `result` as one run and returns its id and folder URL (`file:`). */
  async trackEvaluation(
    result: ModelResult,
    options: TrackEvaluationOptions = {},
  ): Promise<TrackedRun> {
    const run = prepareRun(result, options, "FileTracker.trackEvaluation");
    const { signal } = run;
    throwIfAborted(signal);
    const { fs, path } = await nodeModules();
    const startTime = Date.now();
    const runId = globalThis.crypto.randomUUID();
    const runDir = path.resolve(this.directory, this.experimentName, runId);
    const artifactsDir = path.join(runDir, "artifacts");
    try {
      await fs.mkdir(artifactsDir, { recursive: true });
    } catch (err) {
      throw writeFailed(`the run folder ${runDir}`, err);
    }
    try {
      for (const artifact of run.artifacts) {
        const target = path.resolve(artifactsDir, ...artifact.path.split("/"));
        if (!target.startsWith(artifactsDir + path.sep)) {
          // prepareRun already refuses such paths; this guards the folder whatever the platform.
          throw new ValidationError(
            `Invalid artifact path "${artifact.path.slice(0, 200)}": it leaves the run's artifacts folder.`,
            [{ path: "artifacts.path", message: "leaves the artifacts folder" }],
          );
        }
        await fs.mkdir(path.dirname(target), { recursive: true });
        await writeAtomically(fs, target, artifact.bytes, signal);
      }
      const record: FileRun = {
        schemaVersion: 1,
        runId,
        runName: run.runName,
        experimentName: this.experimentName,
        status: "FINISHED",
        startTime,
        endTime: Date.now(),
        params: run.params,
        tags: run.tags,
        metrics: run.metrics,
        artifacts: run.artifacts.map((a) => a.path),
        summary: run.summary,
        fmopsVersion: VERSION,
      };
      await writeAtomically(
        fs,
        path.join(runDir, "run.json"),
        new TextEncoder().encode(`${JSON.stringify(record, null, 2)}\n`),
        signal,
      );
    } catch (err) {
      await fs.rm(runDir, { recursive: true, force: true }).catch(() => {});
      if (signal?.aborted) throw abortError(signal);
      if (err instanceof FmopsError) throw err;
      throw writeFailed(`run ${runId} in ${path.dirname(runDir)}`, err);
    }
    const { pathToFileURL } = await import("node:url");
    return { runId, experimentId: this.experimentName, url: pathToFileURL(runDir).href };
  }

  /**
   * The experiment's runs, oldest first (by start time, then id). Folders without a `run.json`
   * are skipped; a `run.json` that is not one this tracker wrote throws `TRACKING_RUN_INVALID`.
   */
  async listRuns(options: { signal?: AbortSignal } = {}): Promise<StoredFileRun[]> {
    throwIfAborted(options.signal);
    const { fs, path } = await nodeModules();
    const experimentDir = path.resolve(this.directory, this.experimentName);
    let entries: import("node:fs").Dirent[];
    try {
      entries = await fs.readdir(experimentDir, { withFileTypes: true });
    } catch (err) {
      if ((err as { code?: unknown }).code === "ENOENT") return [];
      throw new FmopsError(
        "TRACKING_READ_FAILED",
        `Could not list the runs in ${redact(experimentDir)}: check the directory and its permissions.`,
        { cause: err },
      );
    }
    const runs: StoredFileRun[] = [];
    for (const entry of entries) {
      if (!entry.isDirectory()) continue;
      throwIfAborted(options.signal);
      const runDir = path.join(experimentDir, entry.name);
      const file = path.join(runDir, "run.json");
      let text: string;
      try {
        text = await fs.readFile(file, "utf8");
      } catch (err) {
        if ((err as { code?: unknown }).code === "ENOENT") continue;
        throw new FmopsError("TRACKING_READ_FAILED", `Could not read ${redact(file)}.`, {
          cause: err,
        });
      }
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch (err) {
        throw invalidRun(file, "it is not JSON", err);
      }
      const checked = runFileSchema.safeParse(parsed);
      if (!checked.success) {
        const issue = checked.error.issues[0];
        throw invalidRun(
          file,
          `${issue?.path.join(".") || "the file"}: ${issue?.message ?? "invalid"}`,
          checked.error,
        );
      }
      runs.push({ ...(checked.data as unknown as FileRun), path: runDir });
    }
    return runs.sort((a, b) => a.startTime - b.startTime || (a.runId < b.runId ? -1 : 1));
  }
}

function invalidRun(file: string, problem: string, cause: unknown): FmopsError {
  return new FmopsError(
    "TRACKING_RUN_INVALID",
    `${redact(file)} is not a run FileTracker wrote (${redact(problem)}). Move it out of the experiment folder or fix it.`,
    { cause },
  );
}

/** Writes `data` to a temporary file next to `target`, then renames it over `target`. */
async function writeAtomically(
  fs: Fs,
  target: string,
  data: Uint8Array,
  signal: AbortSignal | undefined,
): Promise<void> {
  throwIfAborted(signal);
  const tmp = `${target}.${globalThis.crypto.randomUUID()}.tmp`;
  try {
    await fs.writeFile(tmp, data, signal ? { signal } : {});
    throwIfAborted(signal);
    await fs.rename(tmp, target);
  } catch (err) {
    await fs.rm(tmp, { force: true }).catch(() => {});
    throw err;
  }
}
