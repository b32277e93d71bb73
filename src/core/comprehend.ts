/**
 * Amazon Comprehend plumbing shared by `monitoring` (the sentiment and toxicity metric modules)
 * and `evaluation` (the Toxicity algorithm): one way to read the options and build the client,
 * and DetectToxicContent called within the API's limits.
 *
 * @module
 */
import type * as ComprehendModule from "@aws-sdk/client-comprehend";
import type { ComprehendClient, LanguageCode } from "@aws-sdk/client-comprehend";
import { z } from "zod";
import {
  type AwsClientConfig,
  awsCall,
  awsClientConfigShape,
  awsClientSchema,
  clientConfigFrom,
  type SendsCommands,
} from "./aws.js";
import { comprehendSdk, type LoadedAwsClient, lazyAwsClient } from "./aws-sdk.js";
import { parseOptions, schemaFor } from "./options.js";
import { chunkUtf8, utf8Bytes } from "./text-chunks.js";

/** Comprehend's documented limits for the calls these modules make. */
export const COMPREHEND_LIMITS = {
  /** Bytes per document for (Batch)DetectSentiment. */
  sentimentBytes: 5000,
  /** Documents per BatchDetectSentiment call. */
  sentimentBatch: 25,
  /** Bytes per DetectToxicContent segment (1 KB). */
  toxicSegmentBytes: 1000,
  /** Segments per DetectToxicContent call. */
  toxicSegments: 10,
} as const;

/**
 * How fmops reaches Amazon Comprehend: the client (or the options to build one), the language
 * and the longest text scored. `fmops/monitoring` exports it as `ComprehendMetricOptions`.
 */
export interface ComprehendOptions extends AwsClientConfig {
  /** A ready `ComprehendClient`; preferred. */
  client?: SendsCommands;
  /** Language of the answers. Default `en` (the only language DetectToxicContent supports). */
  languageCode?: string;
  /**
   * Longest answer scored, in UTF-8 bytes; longer answers are scored on their beginning.
   * Default 50 000 (two BatchDetectSentiment calls or five DetectToxicContent calls at most).
   */
  maxBytes?: number;
}

const optionsSchema = schemaFor<ComprehendOptions>()(
  z
    .object({
      ...awsClientConfigShape,
      client: awsClientSchema("ComprehendClient").optional(),
      languageCode: z.string().min(2).max(5).optional(),
      maxBytes: z.int().min(1).max(1_000_000).optional(),
    })
    .strict(),
);

/** {@link ComprehendOptions} validated, with the client ready to build and the defaults applied. */
export interface ResolvedComprehendOptions {
  /** The given client, or one built from the AWS options on first use, with its package. */
  comprehend: () => Promise<LoadedAwsClient<typeof ComprehendModule, ComprehendClient>>;
  /** Language code sent with every call. */
  language: string;
  /** Longest text scored, in UTF-8 bytes. */
  maxBytes: number;
}

/**
 * Validates {@link ComprehendOptions} (`subject` starts the error message); the client is
 * built (and its package loaded) on the first call. Shared with the evaluation module's
 * `Toxicity`, so both read the options the same way.
 */
export function resolveComprehendOptions(
  options: ComprehendOptions,
  subject: string,
): ResolvedComprehendOptions {
  const parsed = parseOptions(optionsSchema, options, subject);
  const config = clientConfigFrom(parsed);
  const comprehend = lazyAwsClient(
    comprehendSdk,
    subject.replace(/ options$/, ""),
    // Typed structurally in the options (SendsCommands: no optional peer in fmops's declarations).
    parsed.client as ComprehendClient | undefined,
    (sdk) => new sdk.ComprehendClient(config),
  );
  return { comprehend, language: parsed.languageCode ?? "en", maxBytes: parsed.maxBytes ?? 50_000 };
}

/** Cuts `text` to `maxBytes` on a character boundary. */
export function cutToBytes(text: string, maxBytes: number): string {
  if (utf8Bytes(text) <= maxBytes) return text;
  return chunkUtf8(text, maxBytes)[0] ?? "";
}

/** What {@link detectToxicContent} found in one text: the highest score over its segments. */
export interface ToxicContentScores {
  /** Comprehend's overall `Toxicity` of the worst segment, 0 to 1 (absent when none reported it). */
  toxicity: number | undefined;
  /** The highest score of each label Comprehend reported, by its name (`INSULT`, `HATE_SPEECH`, ...). */
  labels: Record<string, number>;
}

/**
 * Scores `text` with DetectToxicContent within the API's limits: the text is cut to `maxBytes`,
 * split into segments of at most 1 KB at sentence or word boundaries, and sent 10 segments per
 * call. Each score is the maximum over the segments, since one toxic sentence makes a text toxic.
 * Returns undefined for blank text, which Comprehend rejects. Needs `comprehend:DetectToxicContent`.
 */
export async function detectToxicContent(
  comprehend: ResolvedComprehendOptions,
  text: string,
  options: { signal?: AbortSignal | undefined } = {},
): Promise<ToxicContentScores | undefined> {
  const { language, maxBytes } = comprehend;
  const scored = cutToBytes(text, maxBytes);
  if (scored.trim() === "") return undefined;
  const { sdk, client } = await comprehend.comprehend();
  const segments = chunkUtf8(scored, COMPREHEND_LIMITS.toxicSegmentBytes).filter(
    (s) => s.trim() !== "",
  );
  const found: ToxicContentScores = { toxicity: undefined, labels: {} };
  const keep = (value: number | undefined, previous: number | undefined) =>
    value !== undefined && Number.isFinite(value) ? Math.max(previous ?? 0, value) : previous;
  for (let i = 0; i < segments.length; i += COMPREHEND_LIMITS.toxicSegments) {
    const batch = segments.slice(i, i + COMPREHEND_LIMITS.toxicSegments);
    const out: {
      ResultList?: { Toxicity?: number; Labels?: { Name?: string; Score?: number }[] }[];
    } = await awsCall(
      {
        service: "Comprehend",
        operation: "DetectToxicContent",
        iamAction: "comprehend:DetectToxicContent",
      },
      () =>
        client.send(
          new sdk.DetectToxicContentCommand({
            TextSegments: batch.map((Text) => ({ Text })),
            LanguageCode: language as LanguageCode,
          }),
          options.signal ? { abortSignal: options.signal } : {},
        ),
    );
    for (const result of out.ResultList ?? []) {
      found.toxicity = keep(result.Toxicity, found.toxicity);
      for (const label of result.Labels ?? []) {
        if (!label.Name) continue;
        const score = keep(label.Score, found.labels[label.Name]);
        if (score !== undefined) found.labels[label.Name] = score;
      }
    }
  }
  return found;
}
