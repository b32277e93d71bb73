import { describe, expect, it } from "vitest";
import { tCritical95 } from "../../../src/evaluation/algorithms/stats.js";
import {
  ChatModelRunner,
  type DatasetRecord,
  FactualKnowledge,
  PrecomputedRunner,
  QaAccuracy,
  ScoreAccumulator,
  SummarizationAccuracy,
} from "../../../src/evaluation/index.js";
import { PromptTemplate } from "../../../src/prompts/index.js";
import { FakeChatModel } from "../../../src/testing/index.js";

function record(input: string, data: unknown = {}): DatasetRecord {
  return { index: 0, line: 7, input, targets: [], data };
}

describe("ChatModelRunner", () => {
  it("fills {{input}} of the prompt and returns the model's text", async () => {
    const model = new FakeChatModel({ responses: ["Paris"] });
    const runner = new ChatModelRunner({
      model,
      prompt: "Answer briefly: {{input}}",
      inference: { maxTokens: 20 },
    });
    expect(runner.id).toBe("fake:chat");
    const out = await runner.run(record("Capital of France?"));
    expect(out.output).toBe("Paris");
    expect(model.requests[0]?.messages).toEqual([
      { role: "user", content: "Answer briefly: Capital of France?" },
    ]);
    expect(model.requests[0]?.maxTokens).toBe(20);
  });

  it("accepts a PromptTemplate with a system prompt", async () => {
    const model = new FakeChatModel({ responses: ["ok"] });
    const prompt = new PromptTemplate({
      id: "summ",
      version: "2",
      system: "You summarize.",
      text: "Summarize: {{input}}",
    });
    await new ChatModelRunner({ model, prompt }).run(record("long text"));
    expect(model.requests[0]?.system).toBe("You summarize.");
    expect(model.requests[0]?.messages[0]?.content).toBe("Summarize: long text");
  });

  it("rejects a prompt without {{input}} and a non-model", () => {
    const model = new FakeChatModel({ responses: [] });
    expect(() => new ChatModelRunner({ model, prompt: "No placeholder here" })).toThrow(
      expect.objectContaining({
        code: "VALIDATION_ERROR",
        message: expect.stringContaining("{{input}}"),
      }),
    );
    expect(
      () => new ChatModelRunner({ model: {} as unknown as FakeChatModel, prompt: "{{input}}" }),
    ).toThrow(/model/);
  });
});

describe("PrecomputedRunner", () => {
  it("reads the output at a JMESPath location", async () => {
    const runner = new PrecomputedRunner({ output: "outputs[0].text", id: "run-42" });
    expect(runner.id).toBe("run-42");
    const out = await runner.run(record("q", { outputs: [{ text: "the answer" }] }));
    expect(out.output).toBe("the answer");
  });

  it("fails with the line number when no string is there", async () => {
    const runner = new PrecomputedRunner({ output: "model_output" });
    await expect(runner.run(record("q", { model_output: 3 }))).rejects.toMatchObject({
      code: "DATASET_RECORD_INVALID",
      retryable: false,
      message: expect.stringContaining("line 7"),
    });
    // The advice names the location the caller wrote, which a CLI user gave as --precomputed.
    const err = await runner.run(record("q", { model_output: 3 })).catch((e: Error) => e);
    expect((err as Error).message).toContain(
      'the output location "model_output" selected no string',
    );
    expect((err as Error).message).not.toContain("PrecomputedRunner");
  });
});

describe("SummarizationAccuracy", () => {
  it("scores ROUGE-2 F (stemmed) and METEOR as hand-computed", async () => {
    const algo = new SummarizationAccuracy();
    // Bigrams: reference {alpha beta, beta gamma, gamma delta}, output {gamma delta, delta alpha,
    // alpha beta}: 2 of 3 shared, so P = R = F = 2/3. METEOR: 4 of 4 words match in 2 chunks,
    // P = R = 1, penalty 0.5 * (2/4)^3 = 0.0625.
    const s = await algo.evaluateSample({
      targets: ["alpha beta gamma delta"],
      output: "gamma delta alpha beta",
    });
    expect(s.rouge).toBeCloseTo(2 / 3, 12);
    expect(s.meteor).toBeCloseTo(0.9375, 12);
  });

  it("takes the maximum over several targets", async () => {
    const algo = new SummarizationAccuracy();
    const s = await algo.evaluateSample({
      targets: ["alpha beta gamma delta", "gamma delta alpha beta"],
      output: "gamma delta alpha beta",
    });
    // Second target: identical, one chunk of 4: 1 - 0.5 * (1/4)^3.
    expect(s).toEqual({ rouge: 1, meteor: 1 - 0.5 / 64 });
  });

  it("stems by default and honours rougeType, useStemmer and meteor: false", async () => {
    const sample = { targets: ["cats running fast"], output: "cat runs fast" };
    // Stemmed: cat run fast / cat run fast -> every bigram shared.
    expect((await new SummarizationAccuracy({ meteor: false }).evaluateSample(sample)).rouge).toBe(
      1,
    );
    // Unstemmed: bigrams {cats running, running fast} vs {cat runs, runs fast}: none shared.
    expect(
      await new SummarizationAccuracy({ meteor: false, useStemmer: false }).evaluateSample(sample),
    ).toEqual({ rouge: 0 });
    // ROUGE-1 unstemmed: only "fast" shared, P = R = F = 1/3.
    const r1 = await new SummarizationAccuracy({
      meteor: false,
      useStemmer: false,
      rougeType: "rouge1",
    }).evaluateSample(sample);
    expect(r1.rouge).toBeCloseTo(1 / 3, 12);
  });

  it("needs a target", async () => {
    await expect(
      new SummarizationAccuracy().evaluateSample({ targets: [], output: "x" }),
    ).rejects.toMatchObject({ code: "EVAL_TARGET_MISSING" });
  });
});

describe("QaAccuracy", () => {
  it("gives fmeval's scores, the best over the targets", async () => {
    const qa = new QaAccuracy();
    expect(await qa.evaluateSample({ targets: ["Paris"], output: "paris." })).toEqual({
      exact_match_score: 0,
      quasi_exact_match_score: 1,
      precision_over_words: 1,
      recall_over_words: 1,
      f1_score: 1,
    });
    // Normalized output words {capital, is, paris} (article dropped), target {paris}.
    const s = await qa.evaluateSample({ targets: ["Paris"], output: "The capital is Paris" });
    expect(s.precision_over_words).toBeCloseTo(1 / 3, 12);
    expect(s.recall_over_words).toBe(1);
    expect(s.f1_score).toBeCloseTo(0.5, 12);
    // Target 2 {paris, city} against {paris}: P = 1, R = 1/2, F1 = 2/3.
    const m = await qa.evaluateSample({ targets: ["London", "Paris city"], output: "paris" });
    expect(m.exact_match_score).toBe(0);
    expect(m.precision_over_words).toBe(1);
    expect(m.recall_over_words).toBe(0.5);
    expect(m.f1_score).toBeCloseTo(2 / 3, 12);
  });

  it("evaluate() averages with a confidence interval", async () => {
    const summary = await new QaAccuracy().evaluate([
      { targets: ["a b"], output: "a b" },
      { targets: ["c"], output: "d" },
    ]);
    expect(summary.exact_match_score?.mean).toBe(0.5);
    expect(summary.exact_match_score?.count).toBe(2);
    // s = sqrt(0.5); half-width = 12.706 * s / sqrt(2) = 12.706 * 0.5, cut to the score's
    // range [0, 1] (issue #17).
    expect(summary.exact_match_score?.ci95?.upper).toBe(1);
    expect(summary.exact_match_score?.clipped).toBe(true);
  });
});

describe("FactualKnowledge", () => {
  it("checks containment with OR and AND", async () => {
    const fk = new FactualKnowledge();
    expect(await fk.evaluateSample({ targets: ["Berlin"], output: "It is Berlin." })).toEqual({
      factual_knowledge: 1,
      factual_knowledge_quasi_exact: 1,
    });
    expect(await fk.evaluateSample({ targets: ["Rome", "Berlin"], output: "berlin" })).toEqual({
      factual_knowledge: 1,
      factual_knowledge_quasi_exact: 1,
    });
    const and = new FactualKnowledge({ logicalOperator: "AND" });
    expect(
      await and.evaluateSample({ targets: ["red<AND>blue"], output: "Red and green" }),
    ).toEqual({ factual_knowledge: 0, factual_knowledge_quasi_exact: 0 });
    expect(await and.evaluateSample({ targets: ["red", "blue"], output: "red and blue" })).toEqual({
      factual_knowledge: 1,
      factual_knowledge_quasi_exact: 1,
    });
    expect(() => new FactualKnowledge({ logicalOperator: "XOR" as "OR" })).toThrow(
      /logicalOperator/,
    );
  });
});

describe("confidence intervals", () => {
  it("uses Student's t critical values", () => {
    expect(tCritical95(1)).toBe(12.706);
    expect(tCritical95(30)).toBe(2.042);
    expect(tCritical95(60)).toBeCloseTo(2.0003, 3);
    expect(tCritical95(1e9)).toBeCloseTo(1.96, 3);
  });

  it("matches the two-pass mean and sample standard deviation", () => {
    const values = [0.1, 0.5, 0.9, 0.3, 0.7];
    const acc = new ScoreAccumulator();
    for (const v of values) acc.add(v);
    acc.add(Number.NaN);
    const s = acc.summary();
    const mean = values.reduce((a, b) => a + b, 0) / values.length;
    const sd = Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / (values.length - 1));
    expect(s?.count).toBe(5);
    expect(s?.mean).toBeCloseTo(mean, 12);
    expect(s?.stdDev).toBeCloseTo(sd, 12);
    expect(s?.ci95?.lower).toBeCloseTo(mean - (2.776 * sd) / Math.sqrt(5), 12);
    const one = new ScoreAccumulator();
    one.add(1);
    expect(one.summary()).toEqual({ count: 1, mean: 1, stdDev: 0, ci95: null });
  });
});
