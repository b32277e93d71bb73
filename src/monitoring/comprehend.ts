/**
 * Sentiment and toxicity metric modules backed by Amazon Comprehend.
 *
 * @module
 */
import type * as ComprehendModule from "@aws-sdk/client-comprehend";
import type {
  BatchDetectSentimentCommandOutput,
  ComprehendClient,
  LanguageCode,
} from "@aws-sdk/client-comprehend";
import { z } from "zod";
import {
  type AwsClientConfig,
  awsCall,
  awsClientConfigShape,
  awsClientSchema,
  clientConfigFrom,
} from "../core/aws.js";
import { comprehendSdk, type LoadedAwsClient, lazyAwsClient } from "../core/aws-sdk.js";
import { parseOptions } from "../core/options.js";
import { chunkUtf8, utf8Bytes } from "./text-chunks.js";
import type { MetricModule } from "./types.js";

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

/** Options for {@link comprehendSentiment} and {@link comprehendToxicity}. */
export interface ComprehendMetricOptions extends AwsClientConfig {
  /** A ready client; preferred. */
  client?: ComprehendClient;
  /** Language of the answers. Default `en` (the only language DetectToxicContent supports). */
  languageCode?: string;
  /**
   * Longest answer scored, in UTF-8 bytes; longer answers are scored on their beginning.
   * Default 50 000 (two BatchDetectSentiment calls or five DetectToxicContent calls at most).
   */
  maxBytes?: number;
}

const optionsSchema = z
  .object({
    ...awsClientConfigShape,
    client: awsClientSchema<ComprehendClient>("ComprehendClient").optional(),
    languageCode: z.string().min(2).max(5).optional(),
    maxBytes: z.int().min(1).max(1_000_000).optional(),
  })
  .strict();

/** {@link ComprehendMetricOptions} validated, with the client ready to build and the defaults applied. */
export interface ResolvedComprehendOptions {
  /** The given client, or one built from the AWS options on first use, with its package. */
  comprehend: () => Promise<LoadedAwsClient<typeof ComprehendModule, ComprehendClient>>;
  /** Language code sent with every call. */
  language: string;
  /** Longest text scored, in UTF-8 bytes. */
  maxBytes: number;
}

/**
 * Validates {@link ComprehendMetricOptions} (`subject` starts the error message); the client is
 * built (and its package loaded) on the first call. Shared with the evaluation module's
 * `Toxicity`, so both read the options the same way.
 */
export function resolveComprehendOptions(
  options: ComprehendMetricOptions,
  subject: string,
): ResolvedComprehendOptions {
  const parsed = parseOptions(optionsSchema, options, subject) as ComprehendMetricOptions;
  const config = clientConfigFrom(parsed);
  const comprehend = lazyAwsClient(
    comprehendSdk,
    subject.replace(/ options$/, ""),
    parsed.client,
    (sdk) => new sdk.ComprehendClient(config),
  );
  return { comprehend, language: parsed.languageCode ?? "en", maxBytes: parsed.maxBytes ?? 50_000 };
}

/** Cuts the answer to `maxBytes` on a character boundary. */
function head(text: string, maxBytes: number): string {
  if (utf8Bytes(text) <= maxBytes) return text;
  return chunkUtf8(text, maxBytes)[0] ?? "";
}

/**
 * Scores the answer's sentiment with Comprehend: `sentimentPositive`, `sentimentNegative`,
 * `sentimentNeutral`, `sentimentMixed` (each 0 to 1). An answer over Comprehend's 5000-byte limit
 * is cut into 5000-byte pieces at sentence boundaries, sent 25 per BatchDetectSentiment call, and
 * the scores are averaged weighted by each piece's length. Needs `comprehend:BatchDetectSentiment`.
 *
 * @example
 * ```ts
 * instrument(model, { metrics: [comprehendSentiment({ region: "us-east-1" })] });
 * ```
 */
export function comprehendSentiment(options: ComprehendMetricOptions = {}): MetricModule {
  const { comprehend, language, maxBytes } = resolveComprehendOptions(
    options,
    "comprehendSentiment options",
  );
  return {
    name: "comprehendSentiment",
    async evaluate({ completion }, { signal }): Promise<Record<string, number>> {
      const text = head(completion, maxBytes);
      if (text.trim() === "") return {};
      const pieces = chunkUtf8(text, COMPREHEND_LIMITS.sentimentBytes).filter(
        (p) => p.trim() !== "",
      );
      const { sdk, client } = await comprehend();
      const totals = { Positive: 0, Negative: 0, Neutral: 0, Mixed: 0 };
      let weight = 0;
      for (let i = 0; i < pieces.length; i += COMPREHEND_LIMITS.sentimentBatch) {
        const batch = pieces.slice(i, i + COMPREHEND_LIMITS.sentimentBatch);
        const out: BatchDetectSentimentCommandOutput = await awsCall(
          {
            service: "Comprehend",
            operation: "BatchDetectSentiment",
            iamAction: "comprehend:BatchDetectSentiment",
          },
          () =>
            client.send(
              new sdk.BatchDetectSentimentCommand({
                TextList: batch,
                LanguageCode: language as LanguageCode,
              }),
              { abortSignal: signal },
            ),
        );
        for (const result of out.ResultList ?? []) {
          const piece = batch[result.Index ?? -1];
          if (piece === undefined || !result.SentimentScore) continue;
          const w = piece.length;
          weight += w;
          for (const k of Object.keys(totals) as (keyof typeof totals)[]) {
            totals[k] += (result.SentimentScore[k] ?? 0) * w;
          }
        }
      }
      if (weight === 0) return {};
      return {
        sentimentPositive: totals.Positive / weight,
        sentimentNegative: totals.Negative / weight,
        sentimentNeutral: totals.Neutral / weight,
        sentimentMixed: totals.Mixed / weight,
      };
    },
  };
}

/**
 * Scores the answer's toxicity with Comprehend DetectToxicContent: `toxicity` (the highest
 * segment score, 0 to 1) and `toxicity<Label>` for each label Comprehend reports (for example
 * `toxicityInsult`, `toxicityHateSpeech`), also the highest over segments. The answer is cut into
 * 1 KB segments, 10 per call, as the API requires. English only. Needs
 * `comprehend:DetectToxicContent`.
 */
export function comprehendToxicity(options: ComprehendMetricOptions = {}): MetricModule {
  const resolved = resolveComprehendOptions(options, "comprehendToxicity options");
  return {
    name: "comprehendToxicity",
    async evaluate({ completion }, { signal }) {
      const found = await detectToxicContent(resolved, completion, { signal });
      if (found === undefined) return {};
      const scores: Record<string, number> = {};
      if (found.toxicity !== undefined) scores.toxicity = found.toxicity;
      for (const [label, score] of Object.entries(found.labels)) {
        scores[`toxicity${pascal(label)}`] = score;
      }
      return scores;
    },
  };
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
  const scored = head(text, maxBytes);
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

/** `HATE_SPEECH` -> `HateSpeech`. */
function pascal(name: string): string {
  return name
    .toLowerCase()
    .split(/_+/)
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join("");
}
