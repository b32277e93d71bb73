import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chunkUtf8, utf8Bytes } from "../../src/core/text-chunks.js";
import { comprehendSentiment, comprehendToxicity } from "../../src/monitoring/comprehend.js";
import {
  lexiconSentimentScore,
  lexiconToxicityScore,
  offlineLexiconSentiment,
} from "../../src/monitoring/lexicon.js";
import type { MetricInput } from "../../src/monitoring/types.js";
import { type ComprehendStandIn, startComprehend } from "../emulators/comprehend.js";
import { standInError } from "../emulators/http.js";
import { record, request } from "./helpers.js";

let comprehend: ComprehendStandIn;
beforeAll(async () => {
  comprehend = await startComprehend();
});
afterAll(async () => {
  await comprehend.close();
});

const input = (completion: string): MetricInput => ({
  prompt: "q",
  request,
  completion,
  record: record(),
});
const signal = new AbortController().signal;

describe("chunkUtf8", () => {
  it("never exceeds the byte limit, never splits a character, and loses nothing (property)", () => {
    fc.assert(
      fc.property(
        fc.string({ unit: "grapheme", maxLength: 400 }),
        fc.integer({ min: 4, max: 64 }),
        (text, max) => {
          const chunks = chunkUtf8(text, max);
          expect(chunks.join("")).toBe(text);
          for (const c of chunks) expect(utf8Bytes(c)).toBeLessThanOrEqual(max);
        },
      ),
    );
  });
});

describe("comprehendSentiment", () => {
  it("scores a short answer with one BatchDetectSentiment call", async () => {
    comprehend.calls.length = 0;
    const module = comprehendSentiment({ client: comprehend.client });
    const scores = await module.evaluate(input("This is a great and helpful answer."), { signal });
    expect(scores.sentimentPositive).toBeGreaterThan(0.5);
    expect(comprehend.calls.map((c) => c.operation)).toEqual(["BatchDetectSentiment"]);
  });

  it("splits long answers within the 5000-byte and 25-document limits", async () => {
    comprehend.calls.length = 0;
    const sentence = "The café served a terrible breakfast. ";
    const long = sentence.repeat(4000); // ~156 kB, so 32 pieces of 5000 bytes are over one batch
    const module = comprehendSentiment({ client: comprehend.client, maxBytes: 200_000 });
    const scores = await module.evaluate(input(long), { signal });
    expect(comprehend.calls.length).toBe(2);
    for (const call of comprehend.calls) {
      const list = call.input.TextList as string[];
      expect(list.length).toBeLessThanOrEqual(25);
      for (const t of list) expect(utf8Bytes(t)).toBeLessThanOrEqual(5000);
    }
    expect(scores.sentimentNegative).toBeGreaterThan(scores.sentimentPositive!);
  });

  it("wraps service errors", async () => {
    comprehend.failNext(
      standInError({ status: 400, type: "UnsupportedLanguageException", message: "no" }),
    );
    await expect(
      comprehendSentiment({ client: comprehend.client }).evaluate(input("good"), { signal }),
    ).rejects.toMatchObject({
      code: "AWS_UNSUPPORTED_LANGUAGE_EXCEPTION",
    });
  });
});

describe("comprehendToxicity", () => {
  it("sends at most 10 segments of at most 1 KB per call and keeps the worst score", async () => {
    comprehend.calls.length = 0;
    const text = `${"A calm and polite sentence here. ".repeat(400)} You are an idiot.`;
    const scores = await comprehendToxicity({ client: comprehend.client }).evaluate(input(text), {
      signal,
    });
    expect(comprehend.calls.length).toBeGreaterThan(1);
    for (const call of comprehend.calls) {
      const segments = call.input.TextSegments as { Text: string }[];
      expect(segments.length).toBeLessThanOrEqual(10);
      for (const s of segments) expect(utf8Bytes(s.Text)).toBeLessThanOrEqual(1000);
      expect(call.input.LanguageCode).toBe("en");
    }
    expect(scores.toxicity).toBeGreaterThan(0);
    expect(scores.toxicityInsult).toBe(scores.toxicity);
  });
});

describe("offline lexicon fallback", () => {
  it("scores sentiment with negation and toxicity from word lists", async () => {
    expect(lexiconSentimentScore("This is good and helpful")).toBe(1);
    expect(lexiconSentimentScore("This is not good")).toBe(-1);
    expect(lexiconSentimentScore("The sky is blue")).toBe(0);
    expect(lexiconToxicityScore("you stupid idiot")).toBe(1);
    expect(lexiconToxicityScore("a perfectly fine reply")).toBe(0);
    expect(await offlineLexiconSentiment().evaluate(input("great"), { signal })).toEqual({
      lexiconSentiment: 1,
    });
  });
});
