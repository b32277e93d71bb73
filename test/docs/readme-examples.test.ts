/**
 * The README's module table shows one line of code per module in its Example column. Those lines
 * are inline code, which `npm run check:docs` (fenced blocks only) does not see, and issue #17
 * found one (`rougeScores(...).rouge2`) that did not compile under `strict`. This test compiles
 * each of them against the sources with the repository's compiler settings, after a prelude that
 * declares what the line uses, as a reader who has the rest of the program would have it.
 */
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { describe, expect, it } from "vitest";

const root = join(dirname(fileURLToPath(import.meta.url)), "../..");

/**
 * What each module's example assumes is already there, by the table's Import cell. A new row
 * fails the test until its prelude is written here.
 */
const PRELUDES: Record<string, string> = {
  "fmops/core": `import { retry } from "fmops/core";
declare function call(signal?: AbortSignal): Promise<string>;`,
  "fmops/models": `import type { ChatMessage } from "fmops/core";
import { BedrockChatModel } from "fmops/models";
declare const modelId: string;
declare const messages: ChatMessage[];`,
  "fmops/streaming": `import type { ChatRequest } from "fmops/core";
import type { ChatModel } from "fmops/models";
declare const model: ChatModel;
declare const req: ChatRequest;`,
  "fmops/async": `import type { AsyncEndpoint } from "fmops/async";
declare const endpoint: AsyncEndpoint;
declare const payload: Record<string, unknown>;`,
  "fmops/text2sql": `import type { ChatModel } from "fmops/models";
import { Text2Sql, type SchemaCatalog, type SqlEngine } from "fmops/text2sql";
declare const model: ChatModel;
declare const engine: SqlEngine;
declare const catalog: SchemaCatalog;`,
  "fmops/prompts": `import type { PromptCatalog } from "fmops/prompts";
declare const catalog: PromptCatalog;`,
  "fmops/rag": `import type { ChatModel } from "fmops/models";
import { RagChain, type Retriever } from "fmops/rag";
declare const retriever: Retriever;
declare const model: ChatModel;`,
  "fmops/monitoring": `import type { ChatModel } from "fmops/models";
import { EmfSink, instrument } from "fmops/monitoring";
declare const base: ChatModel;`,
  "fmops/evaluation": `import { rougeScores } from "fmops/evaluation";
declare const reference: string;
declare const candidate: string;
// Used as a value, as a reader would: the score must be reachable under strict.
declare function show(fmeasure: number | undefined): void;`,
  "fmops/testing": `import { FakeChatModel } from "fmops/testing";`,
  fmops: "",
};

/** How an example is used after the prelude; most are statements as they stand. */
const USE: Record<string, (example: string) => string> = {
  "fmops/evaluation": (example) => `show(${example});`,
};

/** The rows of the README's module table: the Import cell's module and the Example cell's code. */
function tableExamples(): { module: string; example: string; line: number }[] {
  const lines = readFileSync(join(root, "README.md"), "utf8").split("\n");
  const start = lines.findIndex((l) => /^\| Import +\|.*\| Example +\|$/.test(l));
  const rows: { module: string; example: string; line: number }[] = [];
  for (let i = start + 2; start !== -1 && lines[i]?.startsWith("|"); i++) {
    const cells = (lines[i] as string).split("|").map((c) => c.trim());
    const module = /^`([^`]+)`$/.exec(cells[1] ?? "")?.[1];
    const example = /^`([^`]+)`$/.exec(cells.at(-2) ?? "")?.[1];
    if (module === undefined || example === undefined) {
      throw new Error(`README.md:${i + 1}: a table row without an import and an example`);
    }
    rows.push({ module, example, line: i + 1 });
  }
  return rows;
}

/** Type errors of each snippet, compiled in one program against src/ with tsconfig.json's settings. */
function typeErrors(snippets: Map<string, string>): string[] {
  const config = ts.getParsedCommandLineOfConfigFile(join(root, "tsconfig.json"), undefined, {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: (d) => {
      throw new Error(ts.flattenDiagnosticMessageText(d.messageText, "\n"));
    },
  });
  if (config === undefined) throw new Error("tsconfig.json could not be read");
  const options: ts.CompilerOptions = {
    ...config.options,
    noEmit: true,
    paths: { fmops: [join(root, "src/index.ts")], "fmops/*": [join(root, "src/*/index.ts")] },
  };
  const host = ts.createCompilerHost(options);
  const readFile = host.readFile.bind(host);
  const getSourceFile = host.getSourceFile.bind(host);
  host.fileExists = (f) => snippets.has(f) || ts.sys.fileExists(f);
  host.readFile = (f) => snippets.get(f) ?? readFile(f);
  host.getSourceFile = (f, language, onError) => {
    const text = snippets.get(f);
    return text === undefined
      ? getSourceFile(f, language, onError)
      : ts.createSourceFile(f, text, language, true);
  };
  const program = ts.createProgram([...snippets.keys()], options, host);
  const errors: string[] = [];
  for (const file of snippets.keys()) {
    const source = program.getSourceFile(file);
    if (source === undefined) throw new Error(`${file} was not compiled`);
    const diagnostics = [
      ...program.getSyntacticDiagnostics(source),
      ...program.getSemanticDiagnostics(source),
    ];
    for (const d of diagnostics) {
      errors.push(`${file}: TS${d.code} ${ts.flattenDiagnosticMessageText(d.messageText, " ")}`);
    }
  }
  return errors;
}

describe("README module table", () => {
  it("has an example for every module, and a prelude here for each", () => {
    const rows = tableExamples();
    expect(rows.length).toBeGreaterThan(8);
    expect(rows.map((r) => r.module).filter((m) => !(m in PRELUDES))).toEqual([]);
  });

  it("every example compiles under the repository's strict settings", { timeout: 120_000 }, () => {
    const snippets = new Map<string, string>();
    for (const { module, example, line } of tableExamples()) {
      const use = USE[module] ?? ((e: string) => e);
      const file = join(root, ".readme-check", `L${line}.ts`);
      snippets.set(file, `${PRELUDES[module]}\n${use(example)}\nexport {};\n`);
    }
    expect(typeErrors(snippets)).toEqual([]);
  });

  it("catches an example that does not compile (the check is not vacuous)", {
    timeout: 120_000,
  }, () => {
    const file = join(root, ".readme-check", "broken.ts");
    const broken = `${PRELUDES["fmops/evaluation"]}\nshow(rougeScores(reference, candidate).rouge2.fmeasure);\nexport {};\n`;
    const errors = typeErrors(new Map([[file, broken]]));
    expect(errors.join("\n")).toMatch(/TS(2532|18048) .*possibly 'undefined'/);
  });
});
