/**
 * Variables are looked up as own properties only: names that an object inherits from
 * `Object.prototype` (`constructor`, `toString`, ...) are ordinary variable names, never read from
 * the prototype, and `__proto__`, which no plain object can hold as data, is refused by name.
 */
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { PromptCatalog } from "../../src/prompts/catalog.js";
import { PromptTemplateError, PromptVariableError } from "../../src/prompts/errors.js";
import { renderText } from "../../src/prompts/legacy-formats.js";
import { lintPrompt } from "../../src/prompts/lint.js";
import { parsePromptFile } from "../../src/prompts/parse-file.js";
import { PromptTemplate } from "../../src/prompts/template.js";

const INHERITED = [
  "constructor",
  "toString",
  "hasOwnProperty",
  "valueOf",
  "isPrototypeOf",
  "propertyIsEnumerable",
  "toLocaleString",
  "__defineGetter__",
  "__lookupGetter__",
];

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error("expected an error");
}

describe.each(INHERITED)("a variable named %s", (name) => {
  const plain = () => new PromptTemplate({ id: "p", version: "1", text: `a {{${name}}} b` });

  it("is missing when not given, not read from Object.prototype", () => {
    const err = thrown(() => plain().render({}));
    expect(err).toBeInstanceOf(PromptVariableError);
    expect(err).toMatchObject({ code: "PROMPT_VARIABLE_ERROR", variables: [name] });
    expect((err as Error).message).toMatch(/missing variable/);
    expect((err as Error).message).not.toMatch(/function/);
  });

  it("renders the value given as an own property", () => {
    expect(plain().render({ [name]: "V" }).messages[0]?.content).toBe("a V b");
  });

  it("ignores a value inherited from the values' prototype", () => {
    const values = Object.create({ [name]: "inherited" }) as Record<string, unknown>;
    expect(thrown(() => plain().render(values))).toMatchObject({
      code: "PROMPT_VARIABLE_ERROR",
      variables: [name],
    });
  });

  it("renders empty when optional, its default when it has one", () => {
    const optional = new PromptTemplate({
      id: "p",
      version: "1",
      text: `a {{${name}}} b`,
      variables: JSON.parse(`{"${name}": {"required": false}}`),
    });
    expect(optional.render({}).messages[0]?.content).toBe("a  b");
    const withDefault = new PromptTemplate({
      id: "p",
      version: "2",
      text: `a {{${name}}} b`,
      variables: JSON.parse(`{"${name}": {"default": "D"}}`),
    });
    expect(withDefault.render({}).messages[0]?.content).toBe("a D b");
    const zodDeclared = new PromptTemplate({
      id: "p",
      version: "3",
      text: `a {{${name}}} b`,
      variables: z.object({ [name]: z.string().optional() }),
    });
    expect(zodDeclared.render({}).messages[0]?.content).toBe("a  b");
  });

  it("is missing through the catalog and the legacy text formats too", () => {
    const catalog = new PromptCatalog();
    catalog.register({ id: "p", version: "1", text: `a {{${name}}} b` });
    expect(thrown(() => catalog.render("p", {}))).toMatchObject({
      code: "PROMPT_VARIABLE_ERROR",
      variables: [name],
    });
    expect(thrown(() => renderText(plain(), {}, "claude-text"))).toMatchObject({
      code: "PROMPT_VARIABLE_ERROR",
      variables: [name],
    });
  });

  it("lint measures only a sample given as an own property", () => {
    const image = {
      id: "img",
      version: "1",
      text: `a {{${name}}}`,
      modelHints: { family: "titan-image" },
    };
    const inherited = Object.create({ [name]: "x".repeat(5000) }) as Record<string, unknown>;
    const issues = lintPrompt(image, { values: inherited });
    expect(issues.map((i) => i.rule)).toContain("unbounded-variable");
    expect(issues.map((i) => i.rule)).not.toContain("image-prompt-too-long");
  });
});

describe("__proto__", () => {
  it("is refused as a placeholder name, with the line and column", () => {
    const err = thrown(
      () => new PromptTemplate({ id: "p", version: "1", text: "line one\nhi {{__proto__}}" }),
    );
    expect(err).toBeInstanceOf(PromptTemplateError);
    expect(err).toMatchObject({ code: "PROMPT_TEMPLATE_ERROR", line: 2, column: 4 });
    expect((err as Error).message).toMatch(/__proto__/);
    expect((err as Error).message).toMatch(/rename/i);
  });

  it("is refused as a declared variable name", () => {
    const err = thrown(
      () =>
        new PromptTemplate({
          id: "p",
          version: "1",
          text: "hi",
          variables: JSON.parse('{"__proto__": {}}'),
        }),
    );
    expect(err).toMatchObject({ code: "VALIDATION_ERROR" });
  });

  it("is an undeclared variable when passed as a value", () => {
    const t = new PromptTemplate({ id: "p", version: "1", text: "hi {{name}}" });
    expect(thrown(() => t.render(JSON.parse('{"name": "x", "__proto__": "y"}')))).toMatchObject({
      code: "PROMPT_VARIABLE_ERROR",
      variables: ["__proto__"],
    });
  });

  it("is a PROMPT_FILE_ERROR with the line in a prompt file", () => {
    const err = thrown(() =>
      parsePromptFile("p.yaml", 'id: p\nversion: "1"\ntext: |\n  hello\n  {{__proto__}}\n'),
    );
    expect(err).toMatchObject({ code: "PROMPT_FILE_ERROR", file: "p.yaml", line: 5 });
  });
});
