import { describe, expect, it } from "vitest";
import {
  BUILTIN_PROMPT_IDS,
  builtinCatalog,
  builtinPrompts,
  parseJudgeScore,
  parseRefusalVerdict,
  REFUSAL_EXAMPLES,
  resolvePrompt,
} from "../../src/prompts/builtins/index.js";
import { PromptCatalog } from "../../src/prompts/catalog.js";
import { lintPrompt } from "../../src/prompts/lint.js";
import { PromptTemplate } from "../../src/prompts/template.js";
import { FakeChatModel } from "../../src/testing/index.js";

describe("built-in prompts", () => {
  it("are all registered, labelled production, and lint-clean", () => {
    const catalog = builtinCatalog();
    expect(catalog.list().map((p) => p.id)).toEqual(Object.values(BUILTIN_PROMPT_IDS).sort());
    for (const d of builtinPrompts) {
      expect(catalog.labels(d.id)).toEqual({ production: d.version });
      expect(lintPrompt(d)).toEqual([]);
    }
  });

  it("are exported under their BUILTIN_PROMPT_IDS key, a name no other module exports", async () => {
    const builtins: Record<string, unknown> = await import("../../src/prompts/builtins/index.js");
    const others = await Promise.all(
      ["core", "streaming", "models", "async", "rag", "text2sql", "monitoring", "evaluation"].map(
        async (m) => Object.keys(await import(`../../src/${m}/index.ts`)),
      ),
    );
    for (const [key, id] of Object.entries(BUILTIN_PROMPT_IDS)) {
      expect(builtins[key], key).toMatchObject({ id });
      for (const names of others) expect(names, key).not.toContain(key);
    }
  });

  it("render the text-to-SQL generation and correction prompts", () => {
    const catalog = builtinCatalog();
    const gen = catalog.render(BUILTIN_PROMPT_IDS.text2sqlGenerate, {
      dialect: "Athena",
      schema: "orders(id int, total double)",
      question: "Total revenue?",
    });
    expect(gen.system).toContain("Athena SQL");
    expect(gen.messages[0]?.content).toContain("orders(id int, total double)");
    expect(gen.temperature).toBe(0);
    const fix = catalog.render(BUILTIN_PROMPT_IDS.text2sqlCorrect, {
      schema: "orders(id int)",
      question: "q",
      sql: "SELECT totl FROM orders",
      error: "COLUMN_NOT_FOUND: line 1:8: Column 'totl' cannot be resolved",
    });
    expect(fix.messages[0]?.content).toContain("SELECT totl FROM orders");
    expect(fix.messages[0]?.content).toContain("COLUMN_NOT_FOUND");
  });

  it("run the judge and refusal prompts end to end on a fake model", async () => {
    const model = new FakeChatModel({
      responses: ['Accurate but thin.\n{"score": 7, "reason": "Misses one detail."}', "REFUSAL"],
    });
    const judge = resolvePrompt(BUILTIN_PROMPT_IDS.judgeScore);
    const reply = await model.generate(judge.render({ question: "2+2?", answer: "4" }));
    expect(parseJudgeScore(reply.text)).toEqual({ score: 7, reason: "Misses one detail." });
    const refusal = resolvePrompt("fmops.refusal.detect");
    const verdict = await model.generate(refusal.render({ response: REFUSAL_EXAMPLES[0] }));
    expect(parseRefusalVerdict(verdict.text)).toBe(true);
    expect(model.requests[1]?.messages.at(-1)?.content).toBe(`Response: ${REFUSAL_EXAMPLES[0]}`);
  });

  it("parse judge scores strictly", () => {
    expect(parseJudgeScore("score: 9")).toEqual({ score: 9 });
    expect(() => parseJudgeScore('{"score": 11}')).toThrow(/not an integer from 1 to 10/);
    expect(() => parseJudgeScore("great answer")).toThrow(
      expect.objectContaining({ code: "JUDGE_SCORE_UNPARSEABLE" }),
    );
    expect(parseRefusalVerdict(" answer.")).toBe(false);
    expect(() => parseRefusalVerdict("maybe")).toThrow(
      expect.objectContaining({ code: "REFUSAL_VERDICT_UNPARSEABLE" }),
    );
  });

  it("let modules take an override template or a catalog with a newer production version", () => {
    const override = new PromptTemplate({
      id: "mine",
      version: "1",
      text: "{{question}} {{context}}",
    });
    expect(resolvePrompt(override)).toBe(override);
    const catalog = builtinCatalog(new PromptCatalog());
    catalog.register(
      { id: "fmops.rag.answer", version: "custom-1", text: "Sources: {{context}}\n{{question}}" },
      { labels: ["production"] },
    );
    expect(resolvePrompt("fmops.rag.answer", catalog).version).toBe("custom-1");
    // Registering built-ins again keeps the user's production label.
    builtinCatalog(catalog);
    expect(catalog.get("fmops.rag.answer").version).toBe("custom-1");
  });
});
