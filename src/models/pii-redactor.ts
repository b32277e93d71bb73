/**
 * {@link PiiRedactor}: finds personal data in a prompt or an answer with Amazon Comprehend's
 * DetectPiiEntities and masks it (or refuses the text), so that it can run before a model call,
 * after it, or both, like a guardrail.
 *
 * @module
 */
import type { ComprehendClient, LanguageCode } from "@aws-sdk/client-comprehend";
import { z } from "zod";
import { type AwsClientConfig, FmopsError, parseOptions, withDeadline } from "../core/index.js";
import {
  awsClientConfigShape,
  awsClientSchema,
  chunkUtf8,
  clientConfigFrom,
  comprehendSdk,
  lazyAwsClient,
  type SendsCommands,
  schemaFor,
  signalledAwsCall,
  utf8Bytes,
} from "../core/internal.js";

/** DetectPiiEntities takes at most 100 KB of UTF-8 per call; longer texts are sent in pieces. */
export const PII_TEXT_MAX_BYTES = 100_000;

/** Options for {@link PiiRedactor}. */
export interface PiiRedactorOptions extends AwsClientConfig {
  /** A ready Comprehend client; preferred. */
  client?: SendsCommands;
  /** Language of the texts: `en` (default) or `es`, the two DetectPiiEntities supports. */
  languageCode?: "en" | "es";
  /**
   * Entity types to act on, as Comprehend names them (`EMAIL`, `PHONE`, `SSN`,
   * `CREDIT_DEBIT_NUMBER`, `NAME`, `ADDRESS`, ...). Default: every type Comprehend reports.
   */
  entityTypes?: string[];
  /** Entities Comprehend is less sure of than this (0 to 1) are left alone. Default 0.5. */
  minScore?: number;
  /** `entityType` (default) replaces an entity with `[EMAIL]`; `character` with `*` repeated. */
  mask?: "entityType" | "character";
  /** The character `mask: "character"` repeats. Default `*`. */
  maskCharacter?: string;
  /**
   * Entity types that refuse the whole text instead of masking it (for example
   * `["CREDIT_DEBIT_NUMBER"]`), or `true` for every type. {@link PiiRedactor.enforce} then throws
   * {@link PiiDetectedError}. Default: mask only, never refuse.
   */
  block?: string[] | true;
  /** Deadline of one check in milliseconds. Default 30 000. */
  timeoutMs?: number;
}

/** One entity found. Offsets index the checked string (JavaScript UTF-16 positions). */
export interface PiiFinding {
  /** Comprehend's entity type, e.g. `EMAIL`. */
  type: string;
  /** Comprehend's confidence, 0 to 1. */
  score: number;
  /** Start of the entity in the checked text (`text.slice(beginOffset, endOffset)`). */
  beginOffset: number;
  /** End of the entity in the checked text, exclusive. */
  endOffset: number;
  /** What was done: `MASKED`, or `BLOCKED` for a type in `block`. */
  action: "MASKED" | "BLOCKED";
}

/** What {@link PiiRedactor.check} found. */
export interface PiiCheckResult {
  /** `NONE` (nothing found), `MASKED` (entities masked in `text`) or `BLOCKED` (a `block` type found). */
  action: "NONE" | "MASKED" | "BLOCKED";
  /** The text with every finding masked (also when blocked, so it is safe to log). */
  text: string;
  /** The entities acted on, in text order. They hold no matched text, only types and offsets. */
  findings: PiiFinding[];
}

/** Options of one {@link PiiRedactor.check}. */
export interface PiiCheckOptions {
  /** `INPUT` for a prompt, `OUTPUT` for an answer; only used in error messages. */
  source?: "INPUT" | "OUTPUT";
  /** Cancels the check. */
  signal?: AbortSignal;
  /** Deadline of this check in milliseconds; default the redactor's `timeoutMs`. */
  timeoutMs?: number;
}

/**
 * Personal data of a type in `block` was found. Code `PII_DETECTED`; `findings` lists the
 * entities (types and offsets, never the matched text) and `maskedText` is the text masked.
 */
export class PiiDetectedError extends FmopsError {
  /** Whether the prompt (`INPUT`) or the answer (`OUTPUT`) was refused. */
  readonly source: "INPUT" | "OUTPUT" | undefined;
  /** What was found. */
  readonly findings: PiiFinding[];
  /** The text with every entity masked. */
  readonly maskedText: string;

  constructor(result: PiiCheckResult, source: "INPUT" | "OUTPUT" | undefined) {
    const blocked = [
      ...new Set(result.findings.filter((f) => f.action === "BLOCKED").map((f) => f.type)),
    ];
    const what = source === "INPUT" ? "prompt" : source === "OUTPUT" ? "answer" : "text";
    super(
      "PII_DETECTED",
      `The ${what} contains personal data that is configured to be refused (${blocked.join(", ")}). Ask the user to remove it, or mask these types instead of blocking them.`,
    );
    this.source = source;
    this.findings = result.findings;
    this.maskedText = result.text;
  }
}

const optionsSchema = schemaFor<PiiRedactorOptions>()(
  z
    .object({
      ...awsClientConfigShape,
      client: awsClientSchema("ComprehendClient").optional(),
      languageCode: z.enum(["en", "es"]).optional(),
      entityTypes: z
        .array(z.string().regex(/^[A-Z_]+$/, "must be a Comprehend entity type"))
        .min(1)
        .optional(),
      minScore: z.number().min(0).max(1).optional(),
      mask: z.enum(["entityType", "character"]).optional(),
      maskCharacter: z
        .string()
        .refine((c) => [...c].length === 1, "must be one character")
        .optional(),
      block: z
        .union([
          z.literal(true),
          z.array(z.string().regex(/^[A-Z_]+$/, "must be a Comprehend entity type")),
        ])
        .optional(),
      timeoutMs: z.int().positive().optional(),
    })
    .strict(),
);

/** UTF-16 index of each code point of `text`, plus `text.length` at the end. */
function codePointIndex(text: string): number[] {
  const index: number[] = [];
  let i = 0;
  for (const ch of text) {
    index.push(i);
    i += ch.length;
  }
  index.push(i);
  return index;
}

/**
 * Detects personal data with Amazon Comprehend (DetectPiiEntities) and masks it. Use it before a
 * model call so that personal data never reaches the model or its logs, after it so that none
 * reaches the user, or both; `withGuardrail(model, redactor)` does that around any ChatModel.
 * A text longer than 100 KB is checked in pieces cut at sentence or word boundaries.
 *
 * Needs the optional peer `@aws-sdk/client-comprehend` and `comprehend:DetectPiiEntities`.
 * Comprehend finds what its models recognize; it is a safeguard, not a guarantee that no
 * personal data passes.
 *
 * @example
 * ```ts
 * const redactor = new PiiRedactor({ region: "us-east-1", block: ["CREDIT_DEBIT_NUMBER"] });
 * const { text, findings } = await redactor.check("Mail me at jane@example.com");
 * // text: "Mail me at [EMAIL]"; findings: [{ type: "EMAIL", score: 0.99, beginOffset: 11, endOffset: 27, action: "MASKED" }]
 * ```
 */
export class PiiRedactor {
  readonly #options: PiiRedactorOptions;
  readonly #comprehend;

  constructor(options: PiiRedactorOptions = {}) {
    this.#options = parseOptions(optionsSchema, options, "PiiRedactor options");
    const config = clientConfigFrom(this.#options);
    this.#comprehend = lazyAwsClient(
      comprehendSdk,
      "PiiRedactor",
      // Typed structurally in the options (SendsCommands: no optional peer in fmops's declarations).
      this.#options.client as ComprehendClient | undefined,
      (sdk) => new sdk.ComprehendClient(config),
    );
  }

  /** Finds the entities in `text` and returns it masked, with what was found. Blank text costs no call. */
  async check(text: string, options: PiiCheckOptions = {}): Promise<PiiCheckResult> {
    if (text.trim() === "") return { action: "NONE", text, findings: [] };
    const wait = {
      signal: options.signal,
      timeoutMs: options.timeoutMs ?? this.#options.timeoutMs,
    };
    const entities = await withDeadline(wait, 30_000, "detecting PII with Comprehend", (signal) =>
      this.#detect(text, signal),
    );
    return this.#apply(text, entities);
  }

  /**
   * The text to pass on: `text` itself when nothing was found, else the masked text.
   *
   * @throws {@link PiiDetectedError} when an entity of a `block` type was found.
   */
  async enforce(text: string, options: PiiCheckOptions = {}): Promise<string> {
    const result = await this.check(text, options);
    if (result.action === "BLOCKED") throw new PiiDetectedError(result, options.source);
    return result.text;
  }

  /** Entities in UTF-16 offsets of `text`, from one call per 100 KB piece. */
  async #detect(
    text: string,
    signal: AbortSignal,
  ): Promise<{ type: string; score: number; begin: number; end: number }[]> {
    const { sdk, client } = await this.#comprehend();
    const pieces =
      utf8Bytes(text) <= PII_TEXT_MAX_BYTES ? [text] : chunkUtf8(text, PII_TEXT_MAX_BYTES);
    const found: { type: string; score: number; begin: number; end: number }[] = [];
    let start = 0;
    for (const piece of pieces) {
      if (piece.trim() !== "") {
        const out = await signalledAwsCall(
          signal,
          {
            service: "Comprehend",
            operation: "DetectPiiEntities",
            iamAction: "comprehend:DetectPiiEntities",
          },
          () =>
            client.send(
              new sdk.DetectPiiEntitiesCommand({
                Text: piece,
                LanguageCode: (this.#options.languageCode ?? "en") as LanguageCode,
              }),
              { abortSignal: signal },
            ),
        );
        // Comprehend counts offsets in Unicode characters; JavaScript strings index UTF-16 units.
        const index = codePointIndex(piece);
        for (const e of out.Entities ?? []) {
          const b = index[e.BeginOffset ?? -1];
          const en = index[e.EndOffset ?? -1];
          if (e.Type === undefined || b === undefined || en === undefined || en <= b) continue;
          found.push({ type: e.Type, score: e.Score ?? 0, begin: start + b, end: start + en });
        }
      }
      start += piece.length;
    }
    return found;
  }

  #apply(
    text: string,
    entities: { type: string; score: number; begin: number; end: number }[],
  ): PiiCheckResult {
    const o = this.#options;
    const types = o.entityTypes ? new Set(o.entityTypes) : undefined;
    const blocks = (type: string) => o.block === true || (o.block?.includes(type) ?? false);
    const kept = entities
      .filter((e) => e.score >= (o.minScore ?? 0.5) && (!types || types.has(e.type)))
      .sort((a, b) => a.begin - b.begin || b.end - a.end);
    const findings: PiiFinding[] = [];
    let masked = "";
    let at = 0;
    for (const e of kept) {
      findings.push({
        type: e.type,
        score: e.score,
        beginOffset: e.begin,
        endOffset: e.end,
        action: blocks(e.type) ? "BLOCKED" : "MASKED",
      });
      // Overlapping entities: the part already masked stays masked once.
      if (e.end <= at) continue;
      const from = Math.max(e.begin, at);
      masked += text.slice(at, from);
      masked +=
        (o.mask ?? "entityType") === "entityType"
          ? from === e.begin
            ? `[${e.type}]`
            : ""
          : (o.maskCharacter ?? "*").repeat([...text.slice(from, e.end)].length);
      at = e.end;
    }
    masked += text.slice(at);
    const action =
      findings.length === 0
        ? "NONE"
        : findings.some((f) => f.action === "BLOCKED")
          ? "BLOCKED"
          : "MASKED";
    return { action, text: masked, findings };
  }
}
