/**
 * Sentiment and toxicity metric modules backed by Amazon Comprehend.
 *
 * @module
 */
import type { BatchDetectSentimentCommandOutput, LanguageCode } from "@aws-sdk/client-comprehend";
import { awsCall } from "../core/index.js";
import {
  COMPREHEND_LIMITS,
  type ComprehendOptions,
  chunkUtf8,
  cutToBytes,
  detectToxicContent,
  resolveComprehendOptions,
} from "../core/internal.js";
import type { MetricModule } from "./types.js";

/**
 * Options for {@link comprehendSentiment} and {@link comprehendToxicity}: a ready Comprehend
 * `client` (preferred) or the AWS options to build one, `languageCode` (default `en`, the only
 * language DetectToxicContent supports) and `maxBytes`, the longest answer scored (default
 * 50 000 UTF-8 bytes; longer answers are scored on their beginning).
 */
export interface ComprehendMetricOptions extends ComprehendOptions {}

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
      const text = cutToBytes(completion, maxBytes);
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

/** `HATE_SPEECH` -> `HateSpeech`. */
function pascal(name: string): string {
  return name
    .toLowerCase()
    .split(/_+/)
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join("");
}
