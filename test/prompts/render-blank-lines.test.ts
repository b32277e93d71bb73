/**
 * Optional sections: a placeholder alone on its line whose value is empty takes its line with it,
 * so empty examples/history leave no runs of blank lines in the rendered prompt.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { text2sqlCorrect, text2sqlGenerate } from "../../src/prompts/builtins/text2sql.js";
import { PromptTemplate } from "../../src/prompts/template.js";

const generate = new PromptTemplate(text2sqlGenerate);
const correct = new PromptTemplate(text2sqlCorrect);

function userText(t: PromptTemplate, values: Record<string, unknown>): string {
  const content = t.render(values).messages[0]?.content;
  return typeof content === "string" ? content : JSON.stringify(content);
}

describe("empty optional sections", () => {
  it("text2sql generate: empty examples and history leave no double blank line", () => {
    const text = userText(generate, { schema: "t(a int)", question: "how many?" });
    expect(text).not.toContain("\n\n\n");
    expect(text).toBe("Schema:\nt(a int)\n\nQuestion: how many?");
  });

  it("text2sql generate: each section alone, or both, keeps one blank line around it", () => {
    const both = userText(generate, {
      schema: "S",
      question: "q",
      examples: "EX",
      history: "H",
    });
    expect(both).toBe("Schema:\nS\n\nEX\n\nH\n\nQuestion: q");
    expect(userText(generate, { schema: "S", question: "q", examples: "EX" })).toBe(
      "Schema:\nS\n\nEX\n\nQuestion: q",
    );
    expect(userText(generate, { schema: "S", question: "q", history: "H" })).toBe(
      "Schema:\nS\n\nH\n\nQuestion: q",
    );
  });

  it("text2sql correct: empty history leaves no double blank line", () => {
    const text = userText(correct, { schema: "S", question: "q", sql: "SQL", error: "E" });
    expect(text).toBe("Schema:\nS\n\nQuestion: q\n\nQuery that failed:\nSQL\n\nEngine error:\nE");
  });

  it("values are inserted untouched: blank lines inside a value are kept", () => {
    const text = userText(generate, { schema: "a\n\n\n\nb", question: "q", examples: "" });
    expect(text).toBe("Schema:\na\n\n\n\nb\n\nQuestion: q");
  });

  it("an empty placeholder that shares its line with text keeps the line", () => {
    const t = new PromptTemplate({
      id: "inline",
      version: "1",
      text: "A\nnote: {{x}}\nB",
      variables: { x: { default: "" } },
    });
    expect(userText(t, {})).toBe("A\nnote: \nB");
  });

  it("first and last lines: an empty standalone placeholder leaves no leading or trailing blank line", () => {
    const t = new PromptTemplate({
      id: "edges",
      version: "1",
      text: "{{head}}\n\nbody\n\n{{tail}}",
      variables: { head: { default: "" }, tail: { default: "" } },
    });
    expect(userText(t, {})).toBe("body");
    expect(userText(t, { head: "H", tail: "T" })).toBe("H\n\nbody\n\nT");
  });

  it("property: with paragraphs of optional sections, empty ones never leave a double blank line", () => {
    const names = ["a", "b", "c", "d", "e"];
    const t = new PromptTemplate({
      id: "paras",
      version: "1",
      text: `Start\n\n${names.map((n) => `{{${n}}}`).join("\n\n")}\n\nEnd`,
      variables: Object.fromEntries(names.map((n) => [n, { default: "" }])),
    });
    fc.assert(
      fc.property(fc.array(fc.boolean(), { minLength: 5, maxLength: 5 }), (present) => {
        const values = Object.fromEntries(
          names.map((n, i) => [n, present[i] ? n.toUpperCase() : ""]),
        );
        const text = userText(t, values);
        const expected = [
          "Start",
          ...names.filter((_, i) => present[i]).map((n) => n.toUpperCase()),
          "End",
        ];
        expect(text).toBe(expected.join("\n\n"));
      }),
    );
  });
});
