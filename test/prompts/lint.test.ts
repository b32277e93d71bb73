import { describe, expect, it } from "vitest";
import { lintPrompt } from "../../src/prompts/lint.js";
import { PromptTemplate } from "../../src/prompts/template.js";

const rules = (issues: { rule: string }[]) => issues.map((i) => i.rule);

describe("lintPrompt", () => {
  it("finds undeclared, unused and malformed placeholders even when the template cannot be built", () => {
    const issues = lintPrompt({
      id: "p",
      version: "1",
      system: "Use {{tone}}.",
      text: "Q: {{question}} {{ bad",
      variables: { question: {}, unused: {} },
    });
    expect(rules(issues)).toEqual([
      "malformed-placeholder",
      "undeclared-variable",
      "unused-variable",
    ]);
    expect(issues[1]?.field).toBe("system");
    expect(issues[2]?.field).toBe("variables.unused");
  });

  it("is clean for a well-formed template", () => {
    const t = new PromptTemplate({
      id: "ok",
      version: "1",
      text: "Q: {{q}}",
      variables: { q: { maxLength: 100 } },
      modelHints: { family: "claude" },
    });
    expect(lintPrompt(t)).toEqual([]);
  });

  it("flags rendered input over the model's limit using declared max lengths or sample values", () => {
    const def = {
      id: "long",
      version: "1",
      text: "Doc: {{doc}}",
      variables: { doc: { maxLength: 100_000 } },
      modelHints: { family: "llama3" },
    };
    expect(rules(lintPrompt(def))).toEqual(["input-too-long"]);
    expect(lintPrompt(def, { values: { doc: "short" } })).toEqual([]);
    expect(lintPrompt({ ...def, modelHints: { family: "claude" } })).toEqual([]);
    expect(rules(lintPrompt({ ...def, modelHints: {} }, { maxInputTokens: 1000 }))).toEqual([
      "input-too-long",
    ]);
  });

  it("applies image-prompt rules: negations and Nova Canvas / Nova Reel length limits", () => {
    const canvas = {
      id: "img",
      version: "1",
      text: "A quiet harbour at dawn, no people, {{style}}",
      variables: { style: { maxLength: 50 } },
      modelHints: { family: "nova-canvas" },
    };
    expect(rules(lintPrompt(canvas))).toEqual(["image-negation"]);
    const clean = {
      ...canvas,
      text: "A quiet harbour at dawn, {{style}}",
      negativeText: "people, text, watermark",
    };
    expect(lintPrompt(clean)).toEqual([]);
    const long = { ...clean, variables: { style: { maxLength: 1000 } } };
    expect(rules(lintPrompt(long))).toEqual(["image-prompt-too-long"]);
    expect(lintPrompt(long)[0]?.message).toContain("at most 1024");
    const reel = {
      ...clean,
      variables: { style: { maxLength: 600 } },
      modelHints: { family: "nova-reel" },
    };
    expect(lintPrompt(reel)[0]?.message).toContain("at most 512");
    expect(rules(lintPrompt({ ...clean, variables: { style: {} } }))).toEqual([
      "unbounded-variable",
    ]);
  });
});
