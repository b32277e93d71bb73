/**
 * One options contract: every public class refuses an option it does not know.
 *
 * The classes are not listed by hand: the test walks the exports of every public entry point
 * (each `src/<module>/index.ts` that package.json exports, plus the root), so a class added later
 * is probed without anyone remembering to add it here. A class with a non-strict options schema,
 * or one that forgets to validate its options, makes this test fail.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { isFmopsError, ValidationError } from "../../src/core/errors.js";
import { SageMakerChatModel } from "../../src/models/index.js";
import { Bm25Index, InMemoryVectorStore } from "../../src/rag/index.js";
import { FakeChatModel, FakeEmbeddingModel } from "../../src/testing/index.js";
import { DuckDbCatalog, DuckDbEngine, Text2Sql } from "../../src/text2sql/index.js";

const ROOT = join(import.meta.dirname, "..", "..");
const PROBE_KEY = "unknownOptionProbe";

/** `src/<module>` folders that have an `index.ts`, except the CLI (the `fmops` command, not a library entry). */
const MODULES = readdirSync(join(ROOT, "src")).filter(
  (name) =>
    name !== "cli" &&
    statSync(join(ROOT, "src", name)).isDirectory() &&
    readdirSync(join(ROOT, "src", name)).includes("index.ts"),
);

/**
 * Classes whose constructor takes no options object, so there is no key to refuse. Each entry
 * says what the constructor takes instead. Every other exported class is probed.
 */
const NO_OPTIONS_OBJECT: Record<string, string> = {
  // Private constructors: instances come from static factories, whose options are checked there.
  Deadline:
    "private; made by Deadline.start(options, defaultTimeoutMs, what), which checks timeoutMs",
  Dataset: "private; made by Dataset.fromJsonl(source, options), which checks the options",
  // Constructors that take plain values, not an options object.
  BatchResultsRunner: "takes a runner id, a job id and the job's parsed results",
  BedrockBatchJob:
    "takes the submitting runner's context and the job's identity; made by BedrockBatchRunner",
  // Constructors without parameters.
  EvalAlgorithmBase: "no parameters: an abstract base; each subclass checks its own options",
  MemorySink: "no parameters",
  ScoreAccumulator: "no parameters",
  ScoreTable: "no parameters",
};

/**
 * Classes whose options object is not the first argument: the arguments that come before it.
 * A class missing here is probed with the options object first, and fails if that is wrong.
 */
const LEADING_ARGUMENTS: Record<string, () => unknown[]> = {
  LineIterator: () => [chunks()],
  TokenStream: () => [async () => chunks()],
  HybridRetriever: () => [[new Bm25Index()]],
  VectorStoreRetriever: () => [
    new InMemoryVectorStore({ dimensions: 4 }),
    new FakeEmbeddingModel({ dimensions: 4 }),
  ],
};

async function* chunks(): AsyncGenerator<Uint8Array> {}

type Constructor = new (...args: unknown[]) => unknown;

function isClass(value: unknown): value is Constructor {
  return typeof value === "function" && /^class\b/.test(Function.prototype.toString.call(value));
}

/** Error classes take a message (and an error's own fields), never an options object. */
function isErrorClass(value: Constructor): boolean {
  return value.prototype instanceof Error;
}

async function publicClasses(): Promise<Map<string, { ctor: Constructor; entry: string }>> {
  const classes = new Map<string, { ctor: Constructor; entry: string }>();
  const entries = ["src/index.ts", ...MODULES.sort().map((m) => `src/${m}/index.ts`)];
  for (const entry of entries) {
    const exports: Record<string, unknown> = await import(join(ROOT, entry));
    for (const [name, value] of Object.entries(exports)) {
      if (!isClass(value) || isErrorClass(value)) continue;
      const seen = classes.get(name);
      if (seen && seen.ctor !== value) {
        throw new Error(`two different classes are exported as ${name}: ${seen.entry}, ${entry}`);
      }
      if (!seen) classes.set(name, { ctor: value, entry });
    }
  }
  return classes;
}

/** What constructing `ctor` with only the probe key does: the error, or `undefined` if it constructed. */
function probe(name: string, ctor: Constructor): unknown {
  const leading = LEADING_ARGUMENTS[name]?.() ?? [];
  try {
    new ctor(...leading, { [PROBE_KEY]: 1 });
  } catch (err) {
    return err;
  }
  return undefined;
}

function describeOutcome(err: unknown): string {
  if (err === undefined) return "constructed without complaint";
  if (isFmopsError(err)) return `${err.code}: ${err.message.slice(0, 160)}`;
  return `${(err as Error)?.name}: ${String((err as Error)?.message).slice(0, 160)}`;
}

describe("strict options: every public constructor", () => {
  it("the probed modules are exactly the package's subpath exports", () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as {
      exports: Record<string, unknown>;
    };
    const subpaths = Object.keys(pkg.exports)
      .filter((k) => k !== "." && k !== "./package.json")
      .map((k) => k.slice(2))
      .sort();
    expect([...MODULES].sort()).toEqual(subpaths);
  });

  it("refuses an unknown key with VALIDATION_ERROR naming it", async () => {
    const classes = await publicClasses();
    // Guard against a walk that finds nothing (a broken import would make every check vacuous).
    expect(classes.size).toBeGreaterThan(40);
    const failures: string[] = [];
    for (const [name, { ctor, entry }] of classes) {
      if (name in NO_OPTIONS_OBJECT) continue;
      const err = probe(name, ctor);
      const ok =
        err instanceof ValidationError &&
        err.code === "VALIDATION_ERROR" &&
        err.message.includes(`\`${PROBE_KEY}\``) &&
        err.issues.some((issue) => issue.path === PROBE_KEY);
      if (!ok) failures.push(`${name} (${entry}): ${describeOutcome(err)}`);
    }
    expect(failures).toEqual([]);
  });

  it("keeps the allow-lists honest: each listed class exists and is still public", async () => {
    const classes = await publicClasses();
    for (const name of [...Object.keys(NO_OPTIONS_OBJECT), ...Object.keys(LEADING_ARGUMENTS)]) {
      expect(classes.has(name), name).toBe(true);
    }
  });
});

describe("strict options: the typos from issue #17", () => {
  it("SageMakerChatModel: idleTimeout is refused, suggesting idleTimeoutMs", () => {
    const attempt = () =>
      new SageMakerChatModel({
        endpointName: "llm",
        format: "tgi",
        region: "us-east-1",
        idleTimeout: 5,
      } as never);
    expect(attempt).toThrow(ValidationError);
    expect(attempt).toThrow(
      "Invalid SageMakerChatModel options: unknown option `idleTimeout`; did you mean `idleTimeoutMs`?",
    );
  });

  it("Text2Sql: maxAttempt is refused, suggesting maxAttempts; a nested typo names its path", () => {
    const engine = new DuckDbEngine();
    const base = {
      model: new FakeChatModel({ responses: [] }),
      engine,
      catalog: new DuckDbCatalog({ engine }),
    };
    expect(() => new Text2Sql({ ...base, maxAttempt: 2 } as never)).toThrow(
      "unknown option `maxAttempt`; did you mean `maxAttempts`?",
    );
    expect(() => new Text2Sql({ ...base, prompts: { generat: "x" } } as never)).toThrow(
      "unknown option `prompts.generat`; did you mean `prompts.generate`?",
    );
  });
});
