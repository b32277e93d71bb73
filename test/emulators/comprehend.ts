/**
 * A local Amazon Comprehend on 127.0.0.1 speaking the AWS JSON 1.1 protocol of
 * `@aws-sdk/client-comprehend` (`POST /`, `X-Amz-Target: Comprehend_20171127.<Operation>`):
 * DetectSentiment, BatchDetectSentiment, DetectToxicContent and DetectPiiEntities, with the
 * service's size limits (5000 bytes per sentiment text, 25 texts per batch, 10 toxicity segments
 * of at most 1 KB, 100 KB per PII text; PII in en and es only).
 * Scores come from a scorer you pass, or a small deterministic word-list scorer.
 *
 * @module
 */
import { ComprehendClient } from "@aws-sdk/client-comprehend";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import {
  jsonInput,
  type StandInError,
  standInError,
  startJsonTargetServer,
  testCredentials,
  testRegion,
  unknownOperation,
} from "./http.js";

/** Sentiment scores as Comprehend reports them. */
export interface StandInSentiment {
  Sentiment: "POSITIVE" | "NEGATIVE" | "NEUTRAL" | "MIXED";
  SentimentScore: { Positive: number; Negative: number; Neutral: number; Mixed: number };
}

/** Toxicity of one segment as Comprehend reports it. */
export interface StandInToxicity {
  Toxicity: number;
  Labels: { Name: string; Score: number }[];
}

/** A PII entity as DetectPiiEntities reports it; offsets count Unicode characters (code points). */
export interface StandInPiiEntity {
  Type: string;
  Score: number;
  BeginOffset: number;
  EndOffset: number;
}

/** How the stand-in scores text. */
export interface ComprehendScorers {
  sentiment?: (text: string) => StandInSentiment;
  toxicity?: (text: string) => StandInToxicity;
  pii?: (text: string) => StandInPiiEntity[];
}

/** A request as received. */
export interface ComprehendCall {
  operation: string;
  input: Record<string, unknown>;
}

/** A running Comprehend stand-in. */
export interface ComprehendStandIn {
  endpoint: string;
  /** A ready client: fake credentials, no SDK retries. */
  client: ComprehendClient;
  calls: ComprehendCall[];
  /** Makes the next `n` calls fail with this error. */
  failNext(error: StandInError, n?: number): void;
  close(): Promise<void>;
}

const POSITIVE = new Set([
  "good",
  "great",
  "excellent",
  "happy",
  "love",
  "helpful",
  "thanks",
  "wonderful",
]);
const NEGATIVE = new Set(["bad", "terrible", "awful", "sad", "hate", "useless", "angry", "worst"]);
const TOXIC = new Set(["idiot", "stupid", "moron", "damn"]);

/** The default scorer: counts a few positive, negative and toxic words. Deterministic. */
export function wordListSentiment(text: string): StandInSentiment {
  const words = text.toLowerCase().match(/[a-z']+/g) ?? [];
  const pos = words.filter((w) => POSITIVE.has(w)).length;
  const neg = words.filter((w) => NEGATIVE.has(w)).length;
  const total = pos + neg + 1;
  const score = {
    Positive: pos / total,
    Negative: neg / total,
    Neutral: pos === 0 && neg === 0 ? 0.9 : 1 / total,
    Mixed: pos > 0 && neg > 0 ? 0.5 : 0.01,
  };
  const Sentiment =
    pos > 0 && neg > 0 ? "MIXED" : pos > 0 ? "POSITIVE" : neg > 0 ? "NEGATIVE" : "NEUTRAL";
  return { Sentiment, SentimentScore: score };
}

/** The default toxicity scorer: share of words from a short insult list. */
export function wordListToxicity(text: string): StandInToxicity {
  const words = text.toLowerCase().match(/[a-z']+/g) ?? [];
  const hits = words.filter((w) => TOXIC.has(w)).length;
  const toxicity = words.length === 0 ? 0 : Math.min(1, (hits * 4) / words.length);
  return {
    Toxicity: toxicity,
    Labels: [
      { Name: "INSULT", Score: toxicity },
      { Name: "PROFANITY", Score: toxicity / 2 },
    ],
  };
}

// A few entity types found by pattern, enough to exercise masking; Score is fixed per type.
const PII_PATTERNS: { Type: string; Score: number; pattern: RegExp }[] = [
  { Type: "EMAIL", Score: 0.9999, pattern: /[\w.+-]+@[\w-]+(\.[\w-]+)+/gu },
  { Type: "SSN", Score: 0.9998, pattern: /\b\d{3}-\d{2}-\d{4}\b/gu },
  { Type: "CREDIT_DEBIT_NUMBER", Score: 0.9997, pattern: /\b(?:\d{4}[ -]){3}\d{4}\b/gu },
  { Type: "PHONE", Score: 0.98, pattern: /\+?\d{1,2}[ -]\(?\d{3}\)?[ -]\d{3}-\d{4}\b/gu },
  { Type: "NAME", Score: 0.42, pattern: /(?<=my name is )[A-Z][a-z]+/gu },
];

/**
 * The default PII detector: the patterns above, with offsets in Unicode characters (code
 * points), as Comprehend counts them, not UTF-16 units.
 */
export function patternPii(text: string): StandInPiiEntity[] {
  const found: StandInPiiEntity[] = [];
  for (const { Type, Score, pattern } of PII_PATTERNS) {
    for (const m of text.matchAll(pattern)) {
      const begin = [...text.slice(0, m.index)].length;
      found.push({ Type, Score, BeginOffset: begin, EndOffset: begin + [...m[0]].length });
    }
  }
  return found.sort((a, b) => a.BeginOffset - b.BeginOffset);
}

const bytes = (text: string) => Buffer.byteLength(text, "utf8");

function tooLarge(message: string): StandInError {
  return standInError({ status: 400, type: "TextSizeLimitExceededException", message });
}

/**
 * Starts a Comprehend stand-in on 127.0.0.1 port 0.
 *
 * @example
 * ```ts
 * const comprehend = await startComprehend();
 * const out = await comprehend.client.send(new DetectSentimentCommand({ Text: "great", LanguageCode: "en" }));
 * ```
 */
export async function startComprehend(scorers: ComprehendScorers = {}): Promise<ComprehendStandIn> {
  const sentiment = scorers.sentiment ?? wordListSentiment;
  const toxicity = scorers.toxicity ?? wordListToxicity;
  const pii = scorers.pii ?? patternPii;
  const calls: ComprehendCall[] = [];
  let failures: { error: StandInError; left: number } | undefined;
  const serve = (
    operation: string,
    input: Record<string, unknown>,
    target: string,
  ): Record<string, unknown> | StandInError => {
    calls.push({ operation, input });
    const reply = (body: object) => body as Record<string, unknown>;
    const fail = (error: StandInError) => error;
    if (failures && failures.left > 0) {
      failures.left--;
      return failures.error;
    }
    switch (operation) {
      case "DetectSentiment": {
        const text = String(input.Text ?? "");
        if (bytes(text) > 5000) return fail(tooLarge("Text is longer than 5000 bytes."));
        if (text.length === 0)
          return fail(
            standInError({
              status: 400,
              type: "InvalidRequestException",
              message: "Text is empty.",
            }),
          );
        return reply(sentiment(text));
      }
      case "BatchDetectSentiment": {
        const list = (input.TextList as string[] | undefined) ?? [];
        if (list.length > 25) {
          return fail(
            standInError({
              status: 400,
              type: "BatchSizeLimitExceededException",
              message: "At most 25 documents.",
            }),
          );
        }
        if (list.some((t) => bytes(t) > 5000))
          return fail(tooLarge("A document is longer than 5000 bytes."));
        return reply({
          ResultList: list.map((t, Index) => ({ Index, ...sentiment(t) })),
          ErrorList: [],
        });
      }
      case "DetectToxicContent": {
        const segments = (input.TextSegments as { Text: string }[] | undefined) ?? [];
        if (segments.length === 0 || segments.length > 10) {
          return fail(
            standInError({
              status: 400,
              type: "InvalidRequestException",
              message: "1 to 10 segments.",
            }),
          );
        }
        if (segments.some((s) => bytes(s.Text) > 1024))
          return fail(tooLarge("A segment is longer than 1 KB."));
        if (input.LanguageCode !== "en") {
          return fail(
            standInError({
              status: 400,
              type: "UnsupportedLanguageException",
              message: "Only en.",
            }),
          );
        }
        return reply({ ResultList: segments.map((s) => toxicity(s.Text)) });
      }
      case "DetectPiiEntities": {
        const text = String(input.Text ?? "");
        if (text.length === 0)
          return fail(
            standInError({
              status: 400,
              type: "InvalidRequestException",
              message: "Text is empty.",
            }),
          );
        if (bytes(text) > 100_000) return fail(tooLarge("Text is longer than 100 KB."));
        if (input.LanguageCode !== "en" && input.LanguageCode !== "es") {
          return fail(
            standInError({
              status: 400,
              type: "UnsupportedLanguageException",
              message: "DetectPiiEntities supports en and es.",
            }),
          );
        }
        return reply({ Entities: pii(text) });
      }
      default:
        return fail(unknownOperation(target));
    }
  };
  const running = await startJsonTargetServer(
    {
      targetPrefix: "Comprehend_20171127",
      jsonVersion: "1.1",
      errors: "Message",
      internalType: "InternalServerException",
    },
    (call) => serve(call.operation || call.target, jsonInput(call.body), call.target),
  );
  const client = new ComprehendClient({
    endpoint: running.endpoint,
    region: testRegion,
    credentials: testCredentials,
    maxAttempts: 1,
    requestHandler: new NodeHttpHandler(),
  });
  return {
    endpoint: running.endpoint,
    client,
    calls,
    failNext(error, n = 1) {
      failures = { error, left: n };
    },
    async close() {
      client.destroy();
      await running.close();
    },
  };
}
