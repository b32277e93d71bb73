import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { PromptTemplateError, PromptVariableError } from "../../src/prompts/errors.js";
import { renderText } from "../../src/prompts/legacy-formats.js";
import { parseTemplateText } from "../../src/prompts/syntax.js";
import { PromptTemplate } from "../../src/prompts/template.js";

const qa = new PromptTemplate({
  id: "qa",
  version: "1",
  system: "You answer about {{topic}}.",
  text: "Question: {{question}}\nAnswer in {{language}}.",
  variables: {
    topic: { maxLength: 50 },
    question: {},
    language: { default: "English", enum: ["English", "French"] },
  },
  modelHints: { inferenceConfig: { maxTokens: 300, temperature: 0.1 } },
});

function caught(fn: () => unknown): PromptVariableError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(PromptVariableError);
    return err as PromptVariableError;
  }
  throw new Error("expected a PromptVariableError");
}

describe("PromptTemplate.render", () => {
  it("renders a ChatRequest with defaults and hinted inference parameters", () => {
    expect(qa.render({ topic: "geography", question: "Capital of Peru?" })).toEqual({
      system: "You answer about geography.",
      messages: [{ role: "user", content: "Question: Capital of Peru?\nAnswer in English." }],
      maxTokens: 300,
      temperature: 0.1,
    });
  });

  it("lets render options win over hints", () => {
    const r = qa.render({ topic: "t", question: "q" }, { maxTokens: 5, stopSequences: ["\n"] });
    expect(r.maxTokens).toBe(5);
    expect(r.stopSequences).toEqual(["\n"]);
  });

  it("keeps unicode, emoji and combining characters intact", () => {
    const question = "¿Dónde está 東京? 🙂 e\u0301 \u200d👩‍💻";
    expect(qa.render({ topic: "地理", question }).messages[0]?.content).toBe(
      `Question: ${question}\nAnswer in English.`,
    );
  });

  it("inserts braces and placeholders in values literally, never re-expanding them", () => {
    const r = qa.render({ topic: "{{question}}", question: "{{topic}} {{{x}}} }}{{" });
    expect(r.system).toBe("You answer about {{question}}.");
    expect(r.messages[0]?.content).toBe("Question: {{topic}} {{{x}}} }}{{\nAnswer in English.");
  });

  it("renders empty values as empty text", () => {
    expect(qa.render({ topic: "", question: "" }).messages[0]?.content).toBe(
      "Question: \nAnswer in English.",
    );
  });

  it("renders very long values in full", () => {
    const question = "x".repeat(1_000_000);
    expect(qa.render({ topic: "t", question }).messages[0]?.content.length).toBe(
      question.length + "Question: \nAnswer in English.".length,
    );
  });

  it("throws PROMPT_VARIABLE_ERROR naming a missing variable", () => {
    const err = caught(() => qa.render({ topic: "t" }));
    expect(err.code).toBe("PROMPT_VARIABLE_ERROR");
    expect(err.variables).toEqual(["question"]);
    expect(err.message).toContain('missing variable "question"');
  });

  it("throws PROMPT_VARIABLE_ERROR naming an undeclared variable", () => {
    const err = caught(() => qa.render({ topic: "t", question: "q", tone: "warm" }));
    expect(err.variables).toEqual(["tone"]);
    expect(err.message).toContain('undeclared variable "tone"');
  });

  it("enforces max lengths and enums without quoting the value", () => {
    const long = "secret-".repeat(20);
    const err = caught(() => qa.render({ topic: long, question: "q" }));
    expect(err.variables).toEqual(["topic"]);
    expect(err.message).not.toContain("secret-");
    expect(
      caught(() => qa.render({ topic: "t", question: "q", language: "German" })).variables,
    ).toEqual(["language"]);
  });

  it("treats undeclared placeholders as errors when variables are declared", () => {
    expect(
      () =>
        new PromptTemplate({ id: "p", version: "1", text: "{{a}} {{b}}", variables: { a: {} } }),
    ).toThrow(/uses \{\{b\}\} but does not declare it/);
  });

  it("makes every placeholder a required string when variables are left out", () => {
    const t = new PromptTemplate({ id: "p", version: "1", text: "{{ a }}-{{b}}-{{a}}" });
    expect(t.usedVariables).toEqual(["a", "b"]);
    expect(t.render({ a: "1", b: "2" }).messages[0]?.content).toBe("1-2-1");
    expect(caught(() => t.render({ a: "1" })).variables).toEqual(["b"]);
  });

  it("accepts a zod object schema for variables, with types and defaults", () => {
    const t = new PromptTemplate({
      id: "count",
      version: "1",
      text: "List {{n}} items about {{subject}} (verbose: {{verbose}}).",
      variables: z.object({
        n: z.int().min(1).max(10),
        subject: z.string().max(20),
        verbose: z.boolean().default(false),
      }),
    });
    expect(t.render({ n: 3, subject: "owls" }).messages[0]?.content).toBe(
      "List 3 items about owls (verbose: false).",
    );
    expect(t.variables.n).toMatchObject({ type: "integer", minimum: 1, maximum: 10 });
    expect(t.variables.subject).toMatchObject({ maxLength: 20 });
    expect(caught(() => t.render({ n: 11, subject: "owls" })).variables).toEqual(["n"]);
  });

  it("renders a conversation template and escaped braces", () => {
    const t = new PromptTemplate({
      id: "conv",
      version: "1",
      messages: [
        { role: "user", content: "Format as \\{{json}}: {{item}}" },
        { role: "assistant", content: "OK." },
        { role: "user", content: "Now {{item}} again" },
      ],
    });
    expect(t.render({ item: "A" }).messages).toEqual([
      { role: "user", content: "Format as {{json}}: A" },
      { role: "assistant", content: "OK." },
      { role: "user", content: "Now A again" },
    ]);
  });

  it("reports malformed placeholders with line and column", () => {
    try {
      new PromptTemplate({ id: "bad", version: "1", text: "line one\nsee {{ not valid }}" });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(PromptTemplateError);
      expect((err as PromptTemplateError).line).toBe(2);
      expect((err as PromptTemplateError).column).toBe(5);
    }
  });

  it("validates the definition, naming the field", () => {
    expect(() => new PromptTemplate({ id: "bad id", version: "1", text: "x" })).toThrow(
      /id: must be/,
    );
    expect(() => new PromptTemplate({ id: "p", version: "1" })).toThrow(
      /exactly one of messages or text/,
    );
    expect(
      () =>
        new PromptTemplate({
          id: "p",
          version: "1",
          messages: [{ role: "assistant", content: "x" }],
        }),
    ).toThrow(/last message must be a "user" turn/);
  });

  it("hashes content independently of key order and excluding id/version", () => {
    const a = new PromptTemplate({
      id: "a",
      version: "1",
      text: "x {{v}}",
      variables: { v: { maxLength: 3, type: "string" } },
    });
    const b = new PromptTemplate({
      id: "b",
      version: "9",
      variables: { v: { type: "string", maxLength: 3 } },
      text: "x {{v}}",
    });
    const c = new PromptTemplate({
      id: "a",
      version: "1",
      text: "x  {{v}}",
      variables: { v: { maxLength: 3, type: "string" } },
    });
    expect(a.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(a.hash).toBe(b.hash);
    expect(a.hash).not.toBe(c.hash);
  });
});

describe("rendering properties", () => {
  const anyText = fc.string({ unit: "grapheme", maxLength: 40 });
  const withBraces = fc
    .array(fc.oneof(anyText, fc.constantFrom("{{", "}}", "{{a}}", "{{ b }}", "\\{{", "{", "}")), {
      maxLength: 8,
    })
    .map((parts) => parts.join(""));

  it("inserts any value exactly once and literally", () => {
    const t = new PromptTemplate({ id: "p", version: "1", text: "<{{a}}|{{b}}|{{a}}>" });
    fc.assert(
      fc.property(withBraces, withBraces, (a, b) => {
        expect(t.render({ a, b }).messages[0]?.content).toBe(`<${a}|${b}|${a}>`);
      }),
    );
  });

  it("round-trips templates: literal text with escaped braces renders back to itself", () => {
    fc.assert(
      fc.property(withBraces, (literal) => {
        const escaped = literal.replace(/\{\{/g, "\\{{");
        // A literal "\\" right before an escape would be ambiguous; skip those rare cases.
        fc.pre(!escaped.includes("\\\\{{") && !literal.endsWith("\\"));
        const parsed = parseTemplateText(`${escaped}{{x}}`);
        expect(parsed.names).toEqual(["x"]);
        expect(parsed.literals[0]).toBe(literal);
      }),
    );
  });
});

describe("legacy text formats", () => {
  const t = new PromptTemplate({ id: "p", version: "1", system: "Be brief.", text: "Why {{q}}?" });

  it("renders Claude text completion framing", () => {
    expect(renderText(t, { q: "blue" }, "claude-text")).toBe(
      "Be brief.\n\nHuman: Why blue?\n\nAssistant:",
    );
  });

  it("reuses the Llama 3 chat template", () => {
    expect(renderText(t, { q: "blue" }, "llama3")).toBe(
      "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nBe brief.<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nWhy blue?<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n",
    );
  });

  it("renders a plain instruction and rejects multi-turn requests for it", () => {
    expect(renderText(t, { q: "blue" }, "instruction")).toBe("Be brief.\n\nWhy blue?");
    const conv = new PromptTemplate({
      id: "c",
      version: "1",
      messages: [
        { role: "user", content: "a" },
        { role: "assistant", content: "b" },
        { role: "user", content: "c" },
      ],
    });
    expect(() => renderText(conv, {}, "instruction")).toThrow(/one user turn/);
    expect(renderText(conv, {}, "claude-text")).toBe(
      "\n\nHuman: a\n\nAssistant: b\n\nHuman: c\n\nAssistant:",
    );
  });
});
