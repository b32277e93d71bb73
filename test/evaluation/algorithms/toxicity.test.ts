import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MissingDependencyError } from "../../../src/core/errors.js";
import { loadOptional } from "../../../src/core/optional.js";
import { utf8Bytes } from "../../../src/core/text-chunks.js";
import { Toxicity } from "../../../src/evaluation/index.js";
import {
  type ComprehendStandIn,
  type StandInToxicity,
  startComprehend,
} from "../../emulators/comprehend.js";
import { standInError } from "../../emulators/http.js";
import { TINY_VOCAB, tokenId, writeTinyClassifierModel } from "../flow/tiny-classifier-model.js";

// Segments naming "idiot" are insults; the others carry a little hate speech, so that the
// per-label maxima come from different segments.
function scorer(text: string): StandInToxicity {
  return text.includes("idiot")
    ? {
        Toxicity: 0.9,
        Labels: [
          { Name: "INSULT", Score: 0.8 },
          { Name: "HATE_SPEECH", Score: 0.1 },
        ],
      }
    : {
        Toxicity: 0.05,
        Labels: [
          { Name: "INSULT", Score: 0.02 },
          { Name: "HATE_SPEECH", Score: 0.3 },
        ],
      };
}

let comprehend: ComprehendStandIn;
let root: string;
let folder: string;
let table: Float32Array;
const LABELS = ["non-toxic", "toxic"];

beforeAll(async () => {
  comprehend = await startComprehend({ toxicity: scorer });
  root = await mkdtemp(join(tmpdir(), "fmops-tiny-classifier-"));
  folder = join(root, "tiny-toxic");
  // Known words lean non-toxic, unknown words ([UNK]) lean toxic; specials and [PAD] are zero.
  table = new Float32Array(TINY_VOCAB.length * 2);
  TINY_VOCAB.forEach((token, id) => {
    if (token === "[UNK]") table.set([0, 1.5], id * 2);
    else if (!token.startsWith("[")) table.set([0.75, 0.25 * (id % 3)], id * 2);
  });
  await writeTinyClassifierModel(folder, table, LABELS);
});

afterAll(async () => {
  await comprehend.close();
  await rm(root, { recursive: true, force: true });
});

const sample = (output: string) => ({ output, targets: [] });

/** softmax of the summed rows of `tokens`, by hand. */
function probabilities(tokens: (typeof TINY_VOCAB)[number][]): number[] {
  const logits = [0, 0];
  for (const t of tokens) {
    const id = tokenId(t);
    logits[0] = (logits[0] ?? 0) + (table[id * 2] ?? 0);
    logits[1] = (logits[1] ?? 0) + (table[id * 2 + 1] ?? 0);
  }
  const exp = logits.map((l) => Math.exp(l));
  const sum = (exp[0] ?? 0) + (exp[1] ?? 0);
  return exp.map((e) => e / sum);
}

describe("Toxicity with Amazon Comprehend", () => {
  it("reports overall toxicity and every label in snake case", async () => {
    comprehend.calls.length = 0;
    const algo = new Toxicity({ comprehend: { client: comprehend.client } });
    expect(algo.name).toBe("toxicity");
    const scores = await algo.evaluateSample(sample("You are an idiot."));
    expect(scores).toEqual({
      toxicity: 0.9,
      profanity: 0,
      hate_speech: 0.1,
      insult: 0.8,
      graphic: 0,
      harassment_or_abuse: 0,
      sexual: 0,
      violence_or_threat: 0,
    });
    expect(comprehend.calls).toHaveLength(1);
    expect(comprehend.calls[0]?.operation).toBe("DetectToxicContent");
    expect(comprehend.calls[0]?.input).toEqual({
      TextSegments: [{ Text: "You are an idiot." }],
      LanguageCode: "en",
    });
  });

  it("splits long outputs into 1 KB segments, 10 per call, and keeps each label's maximum", async () => {
    comprehend.calls.length = 0;
    const text = `${"A calm and polite sentence here. ".repeat(400)}You are an idiot.`;
    const scores = await new Toxicity({ comprehend: { client: comprehend.client } }).evaluateSample(
      sample(text),
    );
    expect(comprehend.calls.length).toBe(2);
    const sent: string[] = [];
    for (const call of comprehend.calls) {
      const segments = call.input.TextSegments as { Text: string }[];
      expect(segments.length).toBeLessThanOrEqual(10);
      for (const s of segments) {
        expect(utf8Bytes(s.Text)).toBeLessThanOrEqual(1000);
        sent.push(s.Text);
      }
    }
    expect(sent.join("")).toBe(text);
    // Toxicity and insult from the last segment, hate speech from the polite ones.
    expect(scores).toMatchObject({ toxicity: 0.9, insult: 0.8, hate_speech: 0.3, sexual: 0 });
  });

  it("scores a blank output 0 without calling Comprehend", async () => {
    comprehend.calls.length = 0;
    const scores = await new Toxicity({ comprehend: { client: comprehend.client } }).evaluateSample(
      sample("  \n "),
    );
    expect(scores.toxicity).toBe(0);
    expect(Object.values(scores).every((v) => v === 0)).toBe(true);
    expect(comprehend.calls).toHaveLength(0);
  });

  it("averages over samples and wraps service errors", async () => {
    const algo = new Toxicity({ comprehend: { client: comprehend.client } });
    const summary = await algo.evaluate([sample("You idiot"), sample("Thanks for asking")]);
    expect(summary.toxicity?.mean).toBeCloseTo((0.9 + 0.05) / 2, 10);
    expect(summary.toxicity?.count).toBe(2);
    comprehend.failNext(
      standInError({ status: 400, type: "UnsupportedLanguageException", message: "Only en." }),
    );
    await expect(algo.evaluateSample(sample("Bonjour"))).rejects.toMatchObject({
      code: "AWS_UNSUPPORTED_LANGUAGE_EXCEPTION",
    });
  });

  it("honours the signal", async () => {
    const algo = new Toxicity({ comprehend: { client: comprehend.client } });
    await expect(
      algo.evaluateSample(sample("hi"), { signal: AbortSignal.abort(new Error("stop")) }),
    ).rejects.toMatchObject({ code: "ABORTED" });
    await expect(
      algo.evaluate([sample("hi")], { signal: AbortSignal.abort(new Error("stop")) }),
    ).rejects.toMatchObject({ code: "ABORTED" });
  });
});

describe("Toxicity with a local transformers.js classifier", () => {
  it("reports the toxic label's probability and every label's, computed by hand", async () => {
    const algo = new Toxicity({ classifier: { model: folder } });
    const clean = await algo.evaluateSample(sample("Hello world and the blue sky"));
    const [cleanNon, cleanToxic] = probabilities([
      "[CLS]",
      "hello",
      "world",
      "and",
      "the",
      "blue",
      "sky",
      "[SEP]",
    ]);
    expect(Object.keys(clean).sort()).toEqual(["non_toxic", "toxic", "toxicity"]);
    expect(clean.toxicity).toBeCloseTo(cleanToxic ?? Number.NaN, 5);
    expect(clean.toxic).toBeCloseTo(cleanToxic ?? Number.NaN, 5);
    expect(clean.non_toxic).toBeCloseTo(cleanNon ?? Number.NaN, 5);

    const rude = await algo.evaluateSample(sample("hello you stupid idiot"));
    const [, rudeToxic] = probabilities(["[CLS]", "hello", "[UNK]", "[UNK]", "[UNK]", "[SEP]"]);
    expect(rude.toxicity).toBeCloseTo(rudeToxic ?? Number.NaN, 5);
    expect(rude.toxicity).toBeGreaterThan(clean.toxicity ?? 1);
    await algo.dispose();
  });

  it("uses the configured toxic label, case-insensitively", async () => {
    const other = join(root, "offensive");
    await writeTinyClassifierModel(other, table, ["Clean", "OFFENSIVE"]);
    const algo = new Toxicity({ classifier: { model: other, toxicLabel: "offensive" } });
    const scores = await algo.evaluateSample(sample("dogs and cats"));
    const [clean, offensive] = probabilities(["[CLS]", "dogs", "and", "cats", "[SEP]"]);
    expect(scores.toxicity).toBeCloseTo(offensive ?? Number.NaN, 5);
    expect(scores.offensive).toBeCloseTo(offensive ?? Number.NaN, 5);
    expect(scores.clean).toBeCloseTo(clean ?? Number.NaN, 5);

    const wrong = new Toxicity({ classifier: { model: other } });
    const error = await wrong.evaluateSample(sample("dogs")).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "TOXICITY_LABEL_NOT_FOUND" });
    expect((error as Error).message).toContain('"OFFENSIVE"');
    expect((error as Error).message).toContain("toxicLabel");
  });

  it("names missing model files and never downloads", async () => {
    const missing = join(root, "not-copied-here");
    const error = await new Toxicity({ classifier: { model: missing } })
      .evaluateSample(sample("hello"))
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "MODEL_NOT_FOUND", retryable: false });
    expect((error as Error).message).toContain("config.json");
  });

  it("throws MISSING_DEPENDENCY on first use when transformers.js is absent, and retries the load", async () => {
    let imports = 0;
    const algo = new Toxicity({
      classifier: {
        model: folder,
        loadLibrary: () => {
          imports++;
          return loadOptional("@fmops-test/transformers-not-installed", "Toxicity (classifier)");
        },
      },
    });
    expect(imports).toBe(0);
    await expect(algo.evaluateSample(sample("hello"))).rejects.toBeInstanceOf(
      MissingDependencyError,
    );
    await algo.evaluateSample(sample("hello")).catch(() => undefined);
    expect(imports).toBe(2);
  });
});

describe("Toxicity options", () => {
  it("says how to configure a backend when none is given", () => {
    const error = (() => {
      try {
        new Toxicity();
      } catch (e) {
        return e;
      }
    })();
    expect(error).toMatchObject({ code: "VALIDATION_ERROR" });
    expect((error as Error).message).toMatch(/comprehend: \{ region/);
    expect((error as Error).message).toMatch(/classifier: \{ model/);
  });

  it("rejects both backends, unknown fields and bad values", () => {
    expect(
      () =>
        new Toxicity({ comprehend: { client: comprehend.client }, classifier: { model: folder } }),
    ).toThrow(/not both/);
    expect(() => new Toxicity({ classifier: { model: "" } })).toThrow(/classifier\.model/);
    expect(() => new Toxicity({ comprehend: { languageCode: "x" } })).toThrow(/languageCode/);
    expect(
      () => new Toxicity({ classifier: { model: folder }, extra: 1 } as unknown as object),
    ).toThrowError(expect.objectContaining({ code: "VALIDATION_ERROR" }));
  });
});
