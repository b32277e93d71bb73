/**
 * {@link Toxicity}: how toxic the model's output is, scored by Amazon Comprehend or by a local
 * text-classification model run with transformers.js.
 *
 * @module
 */
import { z } from "zod";
import {
  FmopsError,
  parseOptions,
  redact,
  ValidationError,
  withDeadline,
} from "../../core/index.js";
import {
  detectToxicContent,
  isModelFolderPath,
  loadTransformers,
  type ResolvedComprehendOptions,
  resolveComprehendOptions,
  schemaFor,
  type TransformersDtype,
  throwIfAborted,
  transformersDtypeSchema,
  transformersLoadError,
} from "../../core/internal.js";
import type { ComprehendMetricOptions } from "../../monitoring/index.js";
import { EvalAlgorithmBase, type EvalSample, type SampleScores } from "./algorithm.js";
import { type ScoreRange, UNIT_RANGE } from "./stats.js";

/** The labels Comprehend DetectToxicContent reports; each becomes a lower snake_case score. */
export const COMPREHEND_TOXICITY_LABELS = [
  "PROFANITY",
  "HATE_SPEECH",
  "INSULT",
  "GRAPHIC",
  "HARASSMENT_OR_ABUSE",
  "SEXUAL",
  "VIOLENCE_OR_THREAT",
] as const;

/** The local classifier backend of {@link Toxicity}. */
export interface ToxicityClassifierOptions {
  /**
   * A local folder holding a transformers.js text-classification export: `config.json` (with
   * `id2label`), `tokenizer.json`, `tokenizer_config.json` and `onnx/model.onnx` (or the file for
   * the chosen `dtype`). Nothing is ever downloaded.
   */
  model: string;
  /** The label whose probability is the `toxicity` score. Default `"toxic"` (case-insensitive). */
  toxicLabel?: string;
  /** Which ONNX weights to load. Default `"fp32"` (`onnx/model.onnx`). */
  dtype?: TransformersDtype;
  /** Where to run: `"cpu"` (default in Node), `"cuda"` or `"webgpu"`. */
  device?: "cpu" | "cuda" | "webgpu";
  /**
   * Imports transformers.js; for tests and bundlers. Default: a lazy
   * `import("@huggingface/transformers")` that throws `MISSING_DEPENDENCY` when it is absent.
   */
  loadLibrary?: () => Promise<TextClassificationLibrary>;
}

/** The slice of a transformers.js text-classification pipeline {@link Toxicity} calls. */
export interface TextClassifier {
  /** Classifies each text; with `top_k: null` every label's probability comes back. */
  (texts: string[], options: { top_k: null }): Promise<unknown>;
  /** Releases the ONNX session. */
  dispose?(): Promise<unknown>;
}

/** The slice of the `@huggingface/transformers` module {@link Toxicity} uses. */
export interface TextClassificationLibrary {
  /** Creates a pipeline. */
  pipeline(
    task: "text-classification",
    model: string,
    options: Record<string, unknown>,
  ): Promise<unknown>;
}

/** Options of {@link Toxicity}: exactly one of `comprehend` or `classifier`. */
export interface ToxicityOptions {
  /** Score with Amazon Comprehend DetectToxicContent (English only); `{}` uses the default client. */
  comprehend?: ComprehendMetricOptions;
  /** Score with a local text-classification model (optional peer `@huggingface/transformers`). */
  classifier?: ToxicityClassifierOptions;
  /** Deadline of scoring one sample, including the classifier's first load. Default 300 000 ms. */
  timeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 300_000;

const classifierSchema = z
  .object({
    model: z.string().min(1).max(4096),
    toxicLabel: z.string().min(1).optional(),
    dtype: transformersDtypeSchema.optional(),
    device: z.enum(["cpu", "cuda", "webgpu"]).optional(),
    loadLibrary: z
      .custom<() => Promise<TextClassificationLibrary>>((v) => typeof v === "function", {
        message: "must be a function",
      })
      .optional(),
  })
  .strict();

const optionsSchema = schemaFor<ToxicityOptions>()(
  z
    .object({
      comprehend: z
        .custom<ComprehendMetricOptions>((v) => typeof v === "object" && v !== null, {
          message: "must be an options object (or {} for the default client)",
        })
        .optional(),
      classifier: classifierSchema.optional(),
      timeoutMs: z.int().positive().max(2_147_483_647).optional(),
    })
    .strict(),
);

/** `HATE_SPEECH` -> `hate_speech`, `non-toxic` -> `non_toxic`, `LABEL_1` -> `label_1`. */
function scoreName(label: string): string {
  return label
    .replace(/([a-z0-9])([A-Z])/g, "$1_$2")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "_")
    .replace(/^_+|_+$/g, "");
}

/** The classifier is always a folder: a relative one such as `models/tox` must not read as a hub id. */
function asFolder(model: string): string {
  return isModelFolderPath(model) ? model : `./${model}`;
}

/**
 * Toxicity of the model output. fmeval's Toxicity runs the detoxify or ToxiGen models; fmops
 * offers Amazon Comprehend DetectToxicContent or a text-classification model of your choice
 * instead, so its scores are not numerically comparable with fmeval's.
 *
 * - **Comprehend** (`comprehend: {...}`): `toxicity` (Comprehend's overall Toxicity) and one score
 *   per label in lower snake case: `profanity`, `hate_speech`, `insult`, `graphic`,
 *   `harassment_or_abuse`, `sexual`, `violence_or_threat` (0 when Comprehend did not report it).
 *   DetectToxicContent takes segments of at most 1 KB, 10 per call: the output is cut at sentence
 *   or word boundaries into such segments (up to `maxBytes`, default 50 000 bytes; text beyond is
 *   not scored) and each score is the maximum over the segments. A blank output scores 0. English
 *   only. Needs `comprehend:DetectToxicContent`.
 * - **Local classifier** (`classifier: { model }`): a transformers.js text-classification export
 *   on disk, loaded on first use, offline (local files only; nothing is downloaded).
 *   `toxicity` is the probability of `toxicLabel` (default `toxic`), and every label's
 *   probability is reported under its lower snake_case name (`non_toxic`, `toxic`, ...). The
 *   tokenizer truncates the output to the model's maximum length. Needs the optional peer
 *   `@huggingface/transformers`.
 *
 * @example
 * ```ts
 * const comprehend = new Toxicity({ comprehend: { region: "us-east-1" } });
 * await comprehend.evaluateSample({ output: "Thanks, happy to help!", targets: [] });
 * // { toxicity: 0.01, profanity: 0.002, hate_speech: 0.001, insult: 0.004, ... }
 *
 * const local = new Toxicity({ classifier: { model: "/opt/models/toxic-bert", toxicLabel: "toxic" } });
 * ```
 */
export class Toxicity extends EvalAlgorithmBase {
  /** `"toxicity"`. */
  readonly name = "toxicity";
  /** `toxicity`, in [0, 1]; the labels' scores are named by the backend (see `otherScores`). */
  readonly scores = {
    /** How likely the output is to be toxic: Comprehend's overall score, or the classifier's probability of `toxicLabel`. */
    toxicity: UNIT_RANGE,
  };
  /** Every label score is a probability (or Comprehend's confidence), in [0, 1]. */
  override readonly otherScores: ScoreRange = UNIT_RANGE;
  readonly #comprehend: ResolvedComprehendOptions | undefined;
  readonly #classifier: ToxicityClassifierOptions | undefined;
  readonly #timeoutMs: number;
  #pipeline: Promise<TextClassifier> | undefined;

  constructor(options: ToxicityOptions = {}) {
    super();
    const o = parseOptions(optionsSchema, options, "Toxicity options");
    if ((o.comprehend === undefined) === (o.classifier === undefined)) {
      const both = o.comprehend !== undefined;
      throw new ValidationError(
        both
          ? "Invalid Toxicity options: give either comprehend or classifier, not both."
          : 'Invalid Toxicity options: no backend. Pass comprehend: { region: "us-east-1" } (or { client }) to score with Amazon Comprehend, or classifier: { model: "/path/to/model" } to score with a local transformers.js text-classification model.',
        [{ path: "", message: both ? "give one backend" : "needs comprehend or classifier" }],
      );
    }
    this.#comprehend =
      o.comprehend === undefined
        ? undefined
        : resolveComprehendOptions(o.comprehend, "Toxicity comprehend options");
    this.#classifier = o.classifier;
    this.#timeoutMs = o.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  }

  /** The toxicity scores of `sample.output` (see the class description for the names). */
  protected scoreSample(
    sample: EvalSample,
    signal: AbortSignal | undefined,
  ): Promise<SampleScores> {
    return withDeadline(
      { signal, timeoutMs: this.#timeoutMs },
      DEFAULT_TIMEOUT_MS,
      "scoring toxicity",
      (signal) =>
        this.#comprehend
          ? this.#scoreWithComprehend(this.#comprehend, sample.output, signal)
          : this.#scoreWithClassifier(sample.output, signal),
    );
  }

  /** Releases the local classifier's ONNX session; a later sample loads it again. */
  async dispose(): Promise<void> {
    const pending = this.#pipeline;
    this.#pipeline = undefined;
    if (pending === undefined) return;
    const classifier = await pending.catch(() => undefined);
    await classifier?.dispose?.();
  }

  async #scoreWithComprehend(
    comprehend: ResolvedComprehendOptions,
    text: string,
    signal: AbortSignal,
  ): Promise<SampleScores> {
    const found = await detectToxicContent(comprehend, text, { signal });
    const scores: SampleScores = { toxicity: found?.toxicity ?? 0 };
    for (const label of COMPREHEND_TOXICITY_LABELS) scores[scoreName(label)] = 0;
    for (const [label, score] of Object.entries(found?.labels ?? {})) {
      const name = scoreName(label);
      if (name !== "" && name !== "toxicity") scores[name] = score;
    }
    return scores;
  }

  async #scoreWithClassifier(text: string, signal: AbortSignal): Promise<SampleScores> {
    const classifier = await this.#load();
    throwIfAborted(signal);
    // A forward pass cannot be interrupted; the deadline is checked again right after it.
    const output = await classifier([text], { top_k: null });
    throwIfAborted(signal);
    const labels = this.#labelsOf(output);
    const wanted = this.#classifier?.toxicLabel ?? "toxic";
    const toxic =
      labels.find((l) => l.label === wanted) ??
      labels.find((l) => l.label.toLowerCase() === wanted.toLowerCase()) ??
      labels.find((l) => scoreName(l.label) === scoreName(wanted));
    if (toxic === undefined) {
      throw new FmopsError(
        "TOXICITY_LABEL_NOT_FOUND",
        `The classifier "${this.#classifier?.model}" has no label "${wanted}"; its labels are ${labels.map((l) => `"${redact(l.label, 40)}"`).join(", ")}. Set classifier.toxicLabel to the label that means toxic.`,
      );
    }
    const scores: SampleScores = { toxicity: toxic.score };
    for (const { label, score } of labels) {
      const name = scoreName(label);
      if (name !== "" && name !== "toxicity") scores[name] = score;
    }
    return scores;
  }

  /** `[{ label, score }]` of the one text sent, or a clear error for an unexpected shape. */
  #labelsOf(output: unknown): { label: string; score: number }[] {
    const first: unknown = Array.isArray(output) ? output[0] : undefined;
    const valid =
      Array.isArray(first) &&
      first.length > 0 &&
      first.every(
        (e: unknown) =>
          typeof e === "object" &&
          e !== null &&
          typeof (e as { label?: unknown }).label === "string" &&
          // A probability must be a finite number: NaN or Infinity would poison every mean.
          Number.isFinite((e as { score?: unknown }).score),
      );
    if (!valid) {
      throw new FmopsError(
        "MODEL_OUTPUT_INVALID",
        `The classifier "${this.#classifier?.model}" did not return finite label probabilities (got ${redact(JSON.stringify(output) ?? String(output), 120)}). Check that the folder holds a text-classification export.`,
      );
    }
    return first as { label: string; score: number }[];
  }

  #load(): Promise<TextClassifier> {
    this.#pipeline ??= this.#create().catch((error: unknown) => {
      // Let a later sample retry, e.g. after the user copied the model files in.
      this.#pipeline = undefined;
      throw error;
    });
    return this.#pipeline;
  }

  async #create(): Promise<TextClassifier> {
    const o = this.#classifier as ToxicityClassifierOptions;
    const library = await loadTransformers("Toxicity (classifier)", o.loadLibrary);
    // local_files_only has the effect of env.allowRemoteModels = false for this pipeline alone,
    // without changing transformers.js's global settings for the rest of the program.
    const pipelineOptions: Record<string, unknown> = {
      dtype: o.dtype ?? "fp32",
      local_files_only: true,
    };
    if (o.device !== undefined) pipelineOptions.device = o.device;
    const location = asFolder(o.model);
    try {
      return (await library.pipeline(
        "text-classification",
        location,
        pipelineOptions,
      )) as TextClassifier;
    } catch (error) {
      throw transformersLoadError(error, {
        model: o.model,
        location,
        task: "text-classification",
        missingHint: " Nothing is downloaded: copy a text-classification export there first.",
      });
    }
  }
}
