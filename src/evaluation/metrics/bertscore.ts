/**
 * {@link BertScorer}: BERTScore precision, recall and F1 computed the way the `bert_score`
 * Python library computes them, with a transformers.js model run in-process.
 *
 * @module
 */
import { z } from "zod";
import {
  FmopsError,
  parseOptions,
  redact,
  ValidationError,
  type WaitOptions,
  withDeadline,
} from "../../core/index.js";
import {
  loadTransformers,
  MAX_TIMER_MS,
  modelLocation,
  schemaFor,
  type TransformersDtype,
  throwIfAborted,
  transformersDtypeSchema,
  transformersLoadError,
} from "../../core/internal.js";
import { pyStrip } from "./pytext.js";

/** BERTScore of one candidate against one reference. */
export interface BertScore {
  /** Mean over the candidate's tokens of their best cosine similarity to a reference token. */
  precision: number;
  /** Mean over the reference's tokens of their best cosine similarity to a candidate token. */
  recall: number;
  /** Harmonic mean of precision and recall (0 where it is undefined, as in `bert_score`). */
  f1: number;
}

/** One reference/candidate pair for {@link BertScorer.scoreBatch}. */
export interface BertScorePair {
  /** The reference (target) text. */
  reference: string;
  /** The candidate (model output) text. */
  candidate: string;
}

/** The slice of a transformers.js tokenizer {@link BertScorer} uses. */
export interface BertScoreTokenizer {
  /** Token ids of `text`, with the model's special tokens unless `add_special_tokens` is false. */
  encode(text: string, options?: { add_special_tokens?: boolean }): number[];
  /** `model_max_length` of `tokenizer_config.json` (`Infinity` when it is absent). */
  readonly model_max_length: number;
  /** Id of the padding token. */
  readonly pad_token_id?: number | null;
  /** The parsed `tokenizer_config.json` (where `cls_token` and `sep_token` are named). */
  readonly config: Record<string, unknown>;
  /** The vocabulary id of `token` (`undefined` when the vocabulary lacks it). */
  convert_tokens_to_ids(token: string): number | undefined;
}

/** The slice of a transformers.js model {@link BertScorer} calls. */
export interface BertScoreModel {
  /** One forward pass: `input_ids` and `attention_mask` tensors in, named output tensors back. */
  (inputs: Record<string, unknown>): Promise<Record<string, unknown>>;
  /** Releases the ONNX session. */
  dispose?(): Promise<unknown>;
}

/** The slice of the `@huggingface/transformers` module {@link BertScorer} uses. */
export interface BertScoreLibrary {
  /** Loads `tokenizer.json` and `tokenizer_config.json`. */
  AutoTokenizer: {
    /** Loads the tokenizer of a model folder. */
    from_pretrained(model: string, options: Record<string, unknown>): Promise<unknown>;
  };
  /** Loads `config.json` and the ONNX weights, without a task head. */
  AutoModel: {
    /** Loads the base model of a model folder. */
    from_pretrained(model: string, options: Record<string, unknown>): Promise<unknown>;
  };
  /** transformers.js's tensor class, to build the `int64` inputs. */
  Tensor: BertScoreTensorClass;
}

/** The constructor of transformers.js's `Tensor`, as {@link BertScorer} calls it. */
export interface BertScoreTensorClass {
  /** A tensor of `type` holding `data` in row-major order with shape `dims`. */
  new (type: "int64", data: BigInt64Array, dims: number[]): unknown;
}

/** The reference texts whose document frequencies give BERTScore's idf weights. */
export interface BertScoreIdf {
  /** The M reference texts; a token's df is how many of them contain it. */
  references: readonly string[];
}

/** Baseline values for rescaling, one per score (from `bert_score`'s `rescale_baseline` files). */
export interface BertScoreBaseline {
  /** Baseline of precision. */
  precision: number;
  /** Baseline of recall. */
  recall: number;
  /** Baseline of F1. */
  f1: number;
}

/** Options of {@link BertScorer}. */
export interface BertScorerOptions {
  /**
   * A local folder (absolute, or starting with `./` or `../`) holding a transformers.js
   * feature-extraction export: `config.json`, `tokenizer.json`, `tokenizer_config.json` and
   * `onnx/model.onnx` (or the file for the chosen `dtype`); or a hub id such as
   * `org/deberta-xlarge-mnli-L40`, looked up under `localModelPath`. Nothing is downloaded.
   * The token vectors are the model's `last_hidden_state`: export the model cut after the layer
   * `bert_score` reads (see the class description).
   */
  model: string;
  /** Folder that holds hub-id model folders (`<localModelPath>/<org>/<name>/...`). */
  localModelPath?: string;
  /** Which ONNX weights to load. Default `"fp32"` (`onnx/model.onnx`). */
  dtype?: TransformersDtype;
  /** Where to run: `"cpu"` (default in Node), `"cuda"` or `"webgpu"`. */
  device?: "cpu" | "cuda" | "webgpu";
  /**
   * Inverse-document-frequency weighting. Default `false`: every token weighs 1 and the
   * tokenizer's `cls_token` and `sep_token` weigh 0. `{ references }` weighs each token by
   * `log((M + 1) / (df + 1))` over those M reference texts (df: how many of them contain the
   * token), as `bert_score` with `idf=True` does over its references; special tokens, present in
   * every reference, get weight 0.
   */
  idf?: false | BertScoreIdf;
  /**
   * Baseline rescaling: each score `s` becomes `(s - b) / (1 - b)` with the baseline `b` of that
   * score. `bert_score` ships baselines per model and layer (`rescale_baseline/<lang>/<model>.tsv`,
   * the row of the layer used); pass those numbers here. Default: no rescaling.
   */
  baseline?: BertScoreBaseline;
  /**
   * Longest token sequence, special tokens included; longer texts are cut at the end, keeping
   * their closing special token, as Hugging Face truncation does. Default: the tokenizer's
   * `model_max_length` (no cut when `tokenizer_config.json` has none).
   */
  maxLength?: number;
  /** Texts per forward pass. Default 64, as `bert_score`. */
  batchSize?: number;
  /** Deadline of one `score`/`scoreBatch` call, including the first call's model load. Default 300 000 ms. */
  timeoutMs?: number;
  /**
   * Imports transformers.js; for tests and bundlers. Default: a lazy
   * `import("@huggingface/transformers")` that throws `MISSING_DEPENDENCY` when it is absent.
   */
  loadLibrary?: () => Promise<BertScoreLibrary>;
}

/** fmeval's BERTScore model, and the hidden layer `bert_score` reads from it. */
export const FMEVAL_BERTSCORE_MODEL = {
  /** The Hugging Face id fmeval's summarization accuracy uses by default. */
  model: "microsoft/deberta-xlarge-mnli",
  /** `bert_score`'s `model2layers` entry for it: the output of layer 40 of 48. */
  numLayers: 40,
} as const;

const DEFAULT_TIMEOUT_MS = 300_000;
const DEFAULT_BATCH_SIZE = 64;

const baselineValue = z.number().finite().lt(1, "must be below 1 (the rescale divides by 1 - b)");

const optionsSchema = schemaFor<BertScorerOptions>()(
  z
    .object({
      model: z.string().min(1).max(4096),
      localModelPath: z.string().min(1).optional(),
      dtype: transformersDtypeSchema.optional(),
      device: z.enum(["cpu", "cuda", "webgpu"]).optional(),
      idf: z
        .union([
          z.literal(false),
          z
            .object({
              references: z
                .array(z.string())
                .min(1, "needs at least one reference text to count document frequencies")
                .readonly(),
            })
            .strict(),
        ])
        .optional(),
      baseline: z
        .object({ precision: baselineValue, recall: baselineValue, f1: baselineValue })
        .strict()
        .optional(),
      maxLength: z.int().min(2).max(1_000_000).optional(),
      batchSize: z.int().min(1).max(4096).optional(),
      timeoutMs: z.int().positive().max(MAX_TIMER_MS).optional(),
      loadLibrary: z
        .custom<() => Promise<BertScoreLibrary>>((v) => typeof v === "function", {
          message: "must be a function",
        })
        .optional(),
    })
    .strict(),
);

/** The loaded model with what scoring needs from its tokenizer. */
interface Loaded {
  tokenizer: BertScoreTokenizer;
  model: BertScoreModel;
  Tensor: BertScoreLibrary["Tensor"];
  /** The ids of an empty text: just the special tokens the tokenizer adds. */
  emptyIds: number[];
  maxLength: number;
  padId: number;
  /** Token weight: 1 (0 for cls/sep) without idf, the idf of the reference corpus with it. */
  weight: (id: number) => number;
}

/** A text's token ids and its unit-length token vectors (row-major, `ids.length` x `dims`). */
interface Embedded {
  ids: number[];
  vectors: Float64Array;
  dims: number;
}

/**
 * BERTScore (Zhang et al., 2020) as the `bert_score` Python library computes it, which is what
 * fmeval reports as `bertscore` (its F1) in summarization accuracy. Both texts are tokenized
 * with the model's special tokens (`[CLS]`/`[SEP]`, `<s>`/`</s>`) after Python's `strip()` and
 * cut to `maxLength`; each token's vector is L2-normalised; every candidate token is matched
 * to its most similar reference token (precision) and every reference token to its most similar
 * candidate token (recall), by cosine similarity; the means are weighted (`idf`), and F1 is
 * their harmonic mean. As in `bert_score`, the special tokens weigh 0 but stay in the similarity
 * matrix, so a token whose similarity to every real token is negative still scores the
 * (usually near 0) similarity to a special token.
 *
 * Edge cases follow `bert_score`: an empty candidate or reference (nothing but special tokens
 * after `strip()`) scores precision = recall = 0 and F1 = 0 (`bert_score` also prints a
 * warning); an F1 of 0/0 is 0; precision (or recall) is `NaN` when every candidate (reference)
 * token has idf weight 0, because `bert_score` divides by that zero sum. Rescaling applies
 * after all of this. Numbers agree with `bert_score` to float32 rounding (about 1e-6), since the
 * model runs in float32 and fmops sums in float64.
 *
 * **The model.** `bert_score` does not use a model's last layer: it cuts the encoder after
 * `num_layers` layers (its `model2layers` table) and reads that layer's output. fmeval's default
 * is `microsoft/deberta-xlarge-mnli`, layer 40 of 48 (fmeval also
 * allows `roberta-large-mnli`, layer 19). transformers.js exports give only
 * `last_hidden_state`, so for numbers equal to fmeval's export the model already cut after that
 * layer: in Python, `m = AutoModel.from_pretrained("microsoft/deberta-xlarge-mnli")`,
 * `m.encoder.layer = m.encoder.layer[:40]`, `m.config.num_hidden_layers = 40`, save it with its
 * tokenizer, export it with `optimum-cli export onnx --task feature-extraction`, and put
 * `model.onnx` under `onnx/`. A full-depth export still gives a valid BERTScore, just not the
 * same numbers. fmops tokenizes with the export's `tokenizer.json` (the "fast" tokenizer) where
 * `bert_score` loads the Python ("slow") one; the two give the same ids for the BERT, RoBERTa and
 * DeBERTa vocabularies on ordinary text.
 *
 * Needs the optional peer `@huggingface/transformers` (`MISSING_DEPENDENCY` when absent). The
 * constructor does no I/O; the library, tokenizer and model load on the first call, once.
 *
 * @example
 * ```ts
 * const scorer = new BertScorer({ model: "/opt/models/deberta-xlarge-mnli-L40" });
 * await scorer.score("The cat sat on the mat.", "A cat was sitting on the mat.");
 * // { precision: 0.8..., recall: 0.8..., f1: 0.8... }
 * ```
 */
export class BertScorer {
  /** The `model` option. */
  readonly model: string;
  readonly #options: BertScorerOptions;
  /** Where transformers.js will look, for messages. */
  readonly #location: string;
  #loaded: Promise<Loaded> | undefined;

  constructor(options: BertScorerOptions) {
    this.#options = parseOptions(optionsSchema, options, "BertScorer options");
    this.model = this.#options.model;
    this.#location = modelLocation(this.#options.model, this.#options.localModelPath);
  }

  /** BERTScore of `candidate` against `reference`. */
  async score(reference: string, candidate: string, options: WaitOptions = {}): Promise<BertScore> {
    const [result] = await this.scoreBatch([{ reference, candidate }], options);
    return result as BertScore;
  }

  /**
   * BERTScore of each pair, in order. Every distinct text is embedded once, in batches of
   * `batchSize`; cancellation takes effect between batches.
   */
  async scoreBatch(
    pairs: readonly BertScorePair[],
    options: WaitOptions = {},
  ): Promise<BertScore[]> {
    checkPairs(pairs);
    if (pairs.length === 0) return [];
    return withDeadline(
      { signal: options.signal, timeoutMs: options.timeoutMs ?? this.#options.timeoutMs },
      DEFAULT_TIMEOUT_MS,
      `computing BERTScore of ${pairs.length} pairs with transformers.js model "${this.#options.model}"`,
      async (signal) => {
        const loaded = await this.#load();
        throwIfAborted(signal);
        const texts = [...new Set(pairs.flatMap((p) => [p.reference, p.candidate]))];
        const embedded = await this.#embed(loaded, texts, signal);
        return pairs.map((p) =>
          this.#rescale(
            greedyMatch(
              embedded.get(p.reference) as Embedded,
              embedded.get(p.candidate) as Embedded,
              loaded,
            ),
          ),
        );
      },
    );
  }

  /** Releases the ONNX session; a later call loads the model again. */
  async dispose(): Promise<void> {
    const pending = this.#loaded;
    this.#loaded = undefined;
    if (pending === undefined) return;
    const loaded = await pending.catch(() => undefined);
    await loaded?.model.dispose?.();
  }

  #rescale(score: BertScore): BertScore {
    const b = this.#options.baseline;
    if (b === undefined) return score;
    return {
      precision: (score.precision - b.precision) / (1 - b.precision),
      recall: (score.recall - b.recall) / (1 - b.recall),
      f1: (score.f1 - b.f1) / (1 - b.f1),
    };
  }

  /** Token ids and normalised token vectors of each text, by text. */
  async #embed(
    loaded: Loaded,
    texts: string[],
    signal: AbortSignal,
  ): Promise<Map<string, Embedded>> {
    const encoded = texts.map((text) => ({ text, ids: encode(loaded, text) }));
    // Longest first, as bert_score does, so each batch pads as little as possible.
    encoded.sort((a, b) => b.ids.length - a.ids.length);
    const batchSize = this.#options.batchSize ?? DEFAULT_BATCH_SIZE;
    const out = new Map<string, Embedded>();
    for (let start = 0; start < encoded.length; start += batchSize) {
      // A forward pass cannot be interrupted; cancellation takes effect between batches.
      throwIfAborted(signal);
      const batch = encoded.slice(start, start + batchSize);
      const width = batch[0]?.ids.length ?? 0;
      const ids = new BigInt64Array(batch.length * width).fill(BigInt(loaded.padId));
      const mask = new BigInt64Array(batch.length * width);
      batch.forEach((item, b) => {
        item.ids.forEach((id, t) => {
          ids[b * width + t] = BigInt(id);
          mask[b * width + t] = 1n;
        });
      });
      const outputs = await loaded.model({
        input_ids: new loaded.Tensor("int64", ids, [batch.length, width]),
        attention_mask: new loaded.Tensor("int64", mask, [batch.length, width]),
      });
      const { data, dims } = this.#hiddenStates(outputs, batch.length, width);
      batch.forEach((item, b) => {
        out.set(item.text, {
          ids: item.ids,
          vectors: normalizedRows(data, b * width * dims, item.ids.length, dims),
          dims,
        });
      });
    }
    throwIfAborted(signal);
    return out;
  }

  /** The `[batch, tokens, dims]` float data of the model's token vectors. */
  #hiddenStates(
    outputs: Record<string, unknown>,
    batch: number,
    width: number,
  ): { data: ArrayLike<number>; dims: number } {
    const isTokenTensor = (v: unknown): v is TensorLike =>
      typeof v === "object" &&
      v !== null &&
      Array.isArray((v as TensorLike).dims) &&
      (v as TensorLike).dims.length === 3 &&
      (v as TensorLike).dims[0] === batch &&
      (v as TensorLike).dims[1] === width;
    // Feature-extraction exports name it last_hidden_state; some sentence-transformers exports
    // call the same thing token_embeddings.
    const found = [outputs.last_hidden_state, outputs.token_embeddings, ...Object.values(outputs)]
      .filter(isTokenTensor)
      .at(0);
    if (found === undefined) {
      const names = Object.entries(outputs)
        .map(([k, v]) => `${k} ${JSON.stringify((v as Partial<TensorLike> | null)?.dims ?? null)}`)
        .join(", ");
      throw new FmopsError(
        "MODEL_OUTPUT_INVALID",
        `transformers.js model "${this.#options.model}" returned no [${batch}, ${width}, dims] token vectors (outputs: ${redact(names, 160)}). BertScorer needs a feature-extraction export whose last_hidden_state holds one vector per token.`,
      );
    }
    const tensor =
      found.type === undefined || found.type === "float32" ? found : found.to?.("float32");
    const data = tensor?.data;
    const dims = found.dims[2] as number;
    if (
      data === undefined ||
      typeof data.length !== "number" ||
      data.length < batch * width * dims
    ) {
      throw new FmopsError(
        "MODEL_OUTPUT_INVALID",
        `transformers.js model "${this.#options.model}" returned token vectors of type "${found.type ?? "unknown"}" that could not be read as float32 numbers.`,
      );
    }
    return { data, dims };
  }

  #load(): Promise<Loaded> {
    this.#loaded ??= this.#create().catch((error: unknown) => {
      // Let a later call retry, e.g. after the user copied the model files in.
      this.#loaded = undefined;
      throw error;
    });
    return this.#loaded;
  }

  async #create(): Promise<Loaded> {
    const o = this.#options;
    const library = await loadTransformers<BertScoreLibrary>("BertScorer", o.loadLibrary);
    // local_files_only has the effect of env.allowRemoteModels = false for these loads alone,
    // without changing transformers.js's global settings for the rest of the program.
    const loadOptions: Record<string, unknown> = { local_files_only: true };
    const modelOptions: Record<string, unknown> = { ...loadOptions, dtype: o.dtype ?? "fp32" };
    if (o.device !== undefined) modelOptions.device = o.device;
    const context = {
      model: o.model,
      location: this.#location,
      task: "feature-extraction",
      missingHint:
        ' BertScorer never downloads: on a connected machine export the model (see the BertScorer documentation for fmeval\'s microsoft/deberta-xlarge-mnli at layer 40), copy the folder here, and set "model" to its path (or put it at <localModelPath>/<org>/<name>).',
    };
    // The model first: a missing folder then fails on config.json with a clear "not found",
    // where the tokenizer would fail with a TypeError on the absent tokenizer_config.json.
    const model = (await library.AutoModel.from_pretrained(this.#location, modelOptions).catch(
      (error: unknown) => {
        throw transformersLoadError(error, context);
      },
    )) as BertScoreModel;
    let tokenizer: BertScoreTokenizer;
    try {
      tokenizer = (await library.AutoTokenizer.from_pretrained(
        this.#location,
        loadOptions,
      )) as BertScoreTokenizer;
    } catch (error) {
      await model.dispose?.();
      throw transformersLoadError(error, context);
    }
    const emptyIds = tokenizer.encode("");
    const maxLength = o.maxLength ?? tokenizer.model_max_length;
    if (!(maxLength > emptyIds.length)) {
      await model.dispose?.();
      throw new ValidationError(
        `Invalid BertScorer options: maxLength: ${maxLength} leaves no room for text next to the ${emptyIds.length} special tokens of "${o.model}"; use a larger maxLength.`,
        [{ path: "maxLength", message: `must be above ${emptyIds.length}` }],
      );
    }
    const specials = new Set(
      [specialTokenId(tokenizer, "cls_token"), specialTokenId(tokenizer, "sep_token")].filter(
        (id): id is number => id !== undefined,
      ),
    );
    const base = { tokenizer, model, Tensor: library.Tensor, emptyIds, maxLength };
    const padId = tokenizer.pad_token_id ?? 0;
    if (o.idf === undefined || o.idf === false) {
      return { ...base, padId, weight: (id) => (specials.has(id) ? 0 : 1) };
    }
    const idf = idfWeights({ ...base, padId, weight: () => 1 }, o.idf.references);
    return { ...base, padId, weight: idf };
  }
}

/** The slice of a transformers.js tensor read from the model's output. */
interface TensorLike {
  dims: number[];
  type?: string;
  data?: ArrayLike<number>;
  to?(type: "float32"): TensorLike;
}

/**
 * bert_score's `sent_encode`: strip, then the tokenizer's ids with special tokens, cut to
 * `maxLength`. Hugging Face truncation drops tokens from the end of the text and keeps the
 * closing special tokens; transformers.js's `truncation` would cut `[SEP]` off instead, so the
 * cut is done here.
 */
function encode(loaded: Loaded, text: string): number[] {
  const stripped = pyStrip(text);
  if (stripped === "") return [...loaded.emptyIds];
  const full = loaded.tokenizer.encode(stripped);
  if (full.length <= loaded.maxLength) return full;
  const content = loaded.tokenizer.encode(stripped, { add_special_tokens: false });
  const added = full.length - content.length;
  const keep = loaded.maxLength - added;
  for (let p = 0; p <= added && keep >= 0; p++) {
    if (content.every((id, i) => full[p + i] === id)) {
      return [...full.slice(0, p), ...content.slice(0, keep), ...full.slice(p + content.length)];
    }
  }
  // The tokenizer's template does not wrap the text in one piece (never the case for the BERT,
  // RoBERTa and DeBERTa templates); cut the end as transformers.js would.
  return full.slice(0, loaded.maxLength);
}

/** The id of a special token named in `tokenizer_config.json` (a string or an AddedToken). */
function specialTokenId(tokenizer: BertScoreTokenizer, key: string): number | undefined {
  const value = tokenizer.config?.[key];
  const token =
    typeof value === "string"
      ? value
      : typeof value === "object" &&
          value !== null &&
          typeof (value as { content?: unknown }).content === "string"
        ? (value as { content: string }).content
        : undefined;
  if (token === undefined) return undefined;
  const id = tokenizer.convert_tokens_to_ids(token);
  return typeof id === "number" ? id : undefined;
}

/** bert_score's `get_idf_dict`: `log((M + 1) / (df + 1))`, `log(M + 1)` for unseen tokens. */
function idfWeights(loaded: Loaded, references: readonly string[]): (id: number) => number {
  const df = new Map<number, number>();
  for (const reference of references) {
    for (const id of new Set(encode(loaded, reference))) df.set(id, (df.get(id) ?? 0) + 1);
  }
  const m = references.length;
  const unseen = Math.log(m + 1);
  const weights = new Map<number, number>();
  for (const [id, count] of df) weights.set(id, Math.log((m + 1) / (count + 1)));
  return (id) => weights.get(id) ?? unseen;
}

/** `count` rows of `dims` numbers from `data` at `offset`, each scaled to unit length. */
function normalizedRows(
  data: ArrayLike<number>,
  offset: number,
  count: number,
  dims: number,
): Float64Array {
  const out = new Float64Array(count * dims);
  for (let r = 0; r < count; r++) {
    let sum = 0;
    for (let k = 0; k < dims; k++) {
      const v = data[offset + r * dims + k] as number;
      sum += v * v;
    }
    const norm = Math.sqrt(sum);
    for (let k = 0; k < dims; k++) {
      out[r * dims + k] = (data[offset + r * dims + k] as number) / norm;
    }
  }
  return out;
}

/** bert_score's `greedy_cos_idf` for one pair. */
function greedyMatch(reference: Embedded, candidate: Embedded, loaded: Loaded): BertScore {
  const n = candidate.ids.length;
  const m = reference.ids.length;
  const d = candidate.dims;
  const bestForCandidate = new Float64Array(n).fill(Number.NEGATIVE_INFINITY);
  const bestForReference = new Float64Array(m).fill(Number.NEGATIVE_INFINITY);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < m; j++) {
      let s = 0;
      for (let k = 0; k < d; k++) {
        s += (candidate.vectors[i * d + k] as number) * (reference.vectors[j * d + k] as number);
      }
      if (s > (bestForCandidate[i] as number)) bestForCandidate[i] = s;
      if (s > (bestForReference[j] as number)) bestForReference[j] = s;
    }
  }
  let precision = weightedMean(candidate.ids, bestForCandidate, loaded.weight);
  let recall = weightedMean(reference.ids, bestForReference, loaded.weight);
  let f1 = (2 * precision * recall) / (precision + recall);
  // bert_score computes F1 first, then zeroes P and R of empty texts, then turns NaN F1 into 0.
  const empty = loaded.emptyIds.length;
  if (n === empty || m === empty) {
    precision = 0;
    recall = 0;
  }
  if (Number.isNaN(f1)) f1 = 0;
  return { precision, recall, f1 };
}

/** `sum(w_i * best_i) / sum(w_i)`: NaN when every weight is 0, as in bert_score. */
function weightedMean(
  ids: readonly number[],
  best: Float64Array,
  weight: (id: number) => number,
): number {
  let total = 0;
  let sum = 0;
  ids.forEach((id, i) => {
    const w = weight(id);
    total += w;
    sum += w * (best[i] as number);
  });
  return sum / total;
}

function checkPairs(pairs: unknown): asserts pairs is BertScorePair[] {
  if (!Array.isArray(pairs)) {
    throw new ValidationError("scoreBatch() takes an array of { reference, candidate } pairs.", [
      { path: "", message: "must be an array" },
    ]);
  }
  pairs.forEach((pair: unknown, i) => {
    for (const key of ["reference", "candidate"] as const) {
      if (typeof (pair as Partial<BertScorePair> | null)?.[key] !== "string") {
        throw new ValidationError(`Invalid BERTScore input: pairs.${i}.${key}: must be a string.`, [
          { path: `pairs.${i}.${key}`, message: "must be a string" },
        ]);
      }
    }
  });
}
