import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isFmopsError } from "../../../src/core/errors.js";
import {
  factualKnowledgeScores,
  normalizeAnswer,
  qaScores,
} from "../../../src/evaluation/metrics/index.js";

// Expected values worked out by hand from fmeval's qa_accuracy.py / factual_knowledge.py and
// nltk.metrics.scores (precision/recall None -> 0, f = 1 / (0.5/p + 0.5/r)).
describe("normalizeAnswer", () => {
  it("lowercases, drops ASCII punctuation and articles, collapses spaces", () => {
    expect(normalizeAnswer("The  Eiffel-Tower!")).toBe("eiffeltower");
    expect(normalizeAnswer("U.S.A. is a country, an old one")).toBe("usa is country old one");
    expect(normalizeAnswer("")).toBe("");
    expect(normalizeAnswer("?!")).toBe("");
    // Only ASCII punctuation goes; only the space character separates words.
    expect(normalizeAnswer("café—bar")).toBe("café—bar");
    expect(normalizeAnswer("the\nend")).toBe("the\nend");
  });
});

describe("qaScores", () => {
  it("exact match compares Python-stripped strings", () => {
    expect(qaScores("Paris", " Paris \n").exactMatch).toBe(1);
    expect(qaScores("Paris", "\u00a0Paris\u00a0").exactMatch).toBe(1);
    // Python's strip() keeps U+FEFF (JavaScript's trim() would remove it).
    expect(qaScores("Paris", "\ufeffParis").exactMatch).toBe(0);
    expect(qaScores("Paris", "paris").exactMatch).toBe(0);
  });

  it("quasi-exact match and word overlap use the normalized text", () => {
    expect(qaScores("The Eiffel Tower", "eiffel tower!")).toEqual({
      exactMatch: 0,
      quasiExactMatch: 1,
      precision: 1,
      recall: 1,
      f1: 1,
    });
    const s = qaScores("New York City", "I think new york");
    expect(s.precision).toBe(0.5);
    expect(s.recall).toBe(2 / 3);
    expect(s.f1).toBe(1 / (0.5 / 0.5 + 0.5 / (2 / 3)));
    expect(s.quasiExactMatch).toBe(0);
  });

  it("uses word sets: repeated words count once", () => {
    expect(qaScores("red red red", "red")).toEqual({
      exactMatch: 0,
      quasiExactMatch: 0,
      precision: 1,
      recall: 1,
      f1: 1,
    });
  });

  it("splits words on any Python whitespace after normalization", () => {
    const s = qaScores("the\nend", "end");
    expect(s.precision).toBe(1);
    expect(s.recall).toBe(0.5);
    expect(s.f1).toBeCloseTo(2 / 3, 15);
  });

  it("takes each score's maximum over <OR> alternatives independently", () => {
    const s = qaScores("x<OR>x y z q", "x y z");
    expect(s.precision).toBe(1); // from "x y z q"
    expect(s.recall).toBe(1); // from "x"
    expect(s.f1).toBe(1 / (0.5 / 1 + 0.5 / 0.75));
    expect(qaScores("UK<OR>United Kingdom", "the united kingdom").quasiExactMatch).toBe(1);
  });

  it("handles empty strings as fmeval does", () => {
    expect(qaScores("abc", "")).toEqual({
      exactMatch: 0,
      quasiExactMatch: 0,
      precision: 0,
      recall: 0,
      f1: 0,
    });
    expect(qaScores("", "")).toEqual({
      exactMatch: 1,
      quasiExactMatch: 1,
      precision: 0,
      recall: 0,
      f1: 0,
    });
    expect(qaScores("the", "a")).toEqual({
      exactMatch: 0,
      quasiExactMatch: 1,
      precision: 0,
      recall: 0,
      f1: 0,
    });
  });

  it("rejects an empty delimiter", () => {
    try {
      qaScores("a", "a", { delimiter: "" });
      expect.unreachable();
    } catch (err) {
      expect(isFmopsError(err) && err.code).toBe("VALIDATION_ERROR");
    }
  });

  it("keeps every score in [0, 1] and f1 between precision and recall", () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), (t, o) => {
        const s = qaScores(t, o);
        for (const v of Object.values(s)) expect(v >= 0 && v <= 1).toBe(true);
        if (!t.includes("<OR>"))
          expect(s.f1).toBeLessThanOrEqual(Math.max(s.precision, s.recall) + 1e-15);
      }),
    );
  });
});

describe("factualKnowledgeScores", () => {
  it("OR: any alternative contained in the output", () => {
    expect(factualKnowledgeScores("Germany<OR>Deutschland", "It is in germany, I think.")).toEqual({
      exactInclusion: 1,
      quasiExactInclusion: 1,
    });
    expect(factualKnowledgeScores("Berlin", "The capital is Bonn")).toEqual({
      exactInclusion: 0,
      quasiExactInclusion: 0,
    });
  });

  it("quasi-exact inclusion ignores punctuation and articles", () => {
    expect(factualKnowledgeScores("U.S.", "made in the us")).toEqual({
      exactInclusion: 0,
      quasiExactInclusion: 1,
    });
  });

  it("AND: every part must be contained", () => {
    expect(
      factualKnowledgeScores("red<AND>blue", "Red and green", { logicalOperator: "AND" }),
    ).toEqual({
      exactInclusion: 0,
      quasiExactInclusion: 0,
    });
    expect(
      factualKnowledgeScores("red<AND>blue", "Blue, then red", { logicalOperator: "AND" })
        .exactInclusion,
    ).toBe(1);
  });

  it("an empty target is contained in anything (Python's '' in s)", () => {
    expect(factualKnowledgeScores("", "whatever").exactInclusion).toBe(1);
  });
});
