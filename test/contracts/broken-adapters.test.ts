/**
 * The contract suites can fail: each suite runs against adapters broken on purpose (a stream
 * whose text differs from its response, a signal ignored, a batch reversed, `k` ignored, writes
 * allowed, a score that changes between runs, ...) and the case for the broken rule must throw
 * a `ContractViolationError` saying what was wrong. The same suites pass for every built-in
 * (the other files of this folder), so these failures come from the breakage alone.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { ChatRequest, ChatResponse } from "../../src/core/chat.js";
import { FmopsError } from "../../src/core/errors.js";
import type { EvalAlgorithm, EvalSample } from "../../src/evaluation/index.js";
import { QaAccuracy } from "../../src/evaluation/index.js";
import type { CallOptions, ChatModel, EmbeddingModel } from "../../src/models/types.js";
import { Bm25Index } from "../../src/rag/bm25.js";
import type { Document, RetrieveOptions, Retriever } from "../../src/rag/types.js";
import type { TokenStream } from "../../src/streaming/token-stream.js";
import {
  type ChatContractTurn,
  chatModelContract,
} from "../../src/testing/contracts/chat-model.js";
import { type ContractCase, ContractViolationError } from "../../src/testing/contracts/contract.js";
import { embeddingModelContract } from "../../src/testing/contracts/embedding-model.js";
import { evaluationAlgorithmContract } from "../../src/testing/contracts/evaluation-algorithm.js";
import { retrieverContract } from "../../src/testing/contracts/retriever.js";
import { sqlEngineContract } from "../../src/testing/contracts/sql-engine.js";
import { FakeChatModel } from "../../src/testing/fake-chat-model.js";
import { FakeEmbeddingModel } from "../../src/testing/fake-embedding-model.js";
import { DuckDbEngine } from "../../src/text2sql/duckdb-engine.js";
import type { ExecuteOptions, SqlEngine } from "../../src/text2sql/types.js";

/** Runs the suite's case named `name` and returns the violation it must throw. */
async function violation(cases: ContractCase[], name: string): Promise<ContractViolationError> {
  const found = cases.find((c) => c.name === name);
  expect(found, `no case named "${name}"`).toBeDefined();
  const err = await found?.run().then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ContractViolationError);
  expect(err).toMatchObject({ code: "CONTRACT_VIOLATION", contractCase: name, retryable: false });
  return err as ContractViolationError;
}

/** A FakeChatModel answering the contract's turn, as in chat-model.test.ts. */
function fakeFor(turn: ChatContractTurn): FakeChatModel {
  return new FakeChatModel({
    responses: () => ({
      text: turn.text,
      ...(turn.toolCalls ? { toolCalls: turn.toolCalls.map((c) => ({ ...c })) } : {}),
    }),
    ...(turn.fail ? { failOn: () => true } : {}),
    ...(turn.stall ? { delayMs: 600_000 } : {}),
  });
}

/** A ChatModel that delegates to `inner`, with some methods replaced. */
function broken(inner: ChatModel, overrides: Partial<ChatModel>): ChatModel {
  return {
    id: inner.id,
    generate: (req: ChatRequest, opts?: CallOptions) => inner.generate(req, opts),
    stream: (req: ChatRequest, opts?: CallOptions) => inner.stream(req, opts),
    ...overrides,
  };
}

describe("chatModelContract fails for a broken ChatModel", () => {
  it("whose stream's response().text differs from its deltas", async () => {
    const cases = chatModelContract((turn) => {
      const fake = fakeFor(turn);
      return broken(fake, {
        stream(req, opts) {
          const real = fake.stream(req, opts);
          // The deltas are right; the assembled answer is not.
          return Object.assign(Object.create(real), {
            [Symbol.asyncIterator]: () => real[Symbol.asyncIterator](),
            response: async (): Promise<ChatResponse> => ({
              ...(await real.response()),
              text: `${turn.text} (edited)`,
            }),
          }) as TokenStream;
        },
      });
    });
    const err = await violation(
      cases,
      "stream deltas joined equal response().text, with usage and latency",
    );
    expect(err.message).toContain("must equal response().text");
  });

  it("that ignores an aborted signal", async () => {
    const cases = chatModelContract((turn) => {
      const fake = fakeFor(turn);
      return broken(fake, { generate: (req) => fake.generate(req) });
    });
    const err = await violation(cases, "generate with an aborted signal rejects with ABORTED");
    expect(err.message).toContain("must reject, but it resolved");
  });

  it("that throws a plain Error when its backend fails", async () => {
    const cases = chatModelContract((turn) =>
      broken(fakeFor(turn), {
        generate: async () => {
          throw new Error("upstream said 500");
        },
      }),
    );
    const err = await violation(cases, "a failing backend rejects generate with an FmopsError");
    expect(err.message).toContain("must fail with an FmopsError");
    expect(err.message).toContain("upstream said 500");
  });

  it("whose generate reports no latency", async () => {
    const cases = chatModelContract((turn) => {
      const fake = fakeFor(turn);
      return broken(fake, {
        generate: async (req, opts) => ({ text: (await fake.generate(req, opts)).text }),
      });
    });
    const err = await violation(
      cases,
      "generate resolves with the answer's text, usage and latency",
    );
    expect(err.message).toContain("latency.e2eMs");
  });

  it("that drops the tool calls of a declared tool", async () => {
    const cases = chatModelContract(
      (turn) => {
        const fake = fakeFor(turn);
        return broken(fake, {
          generate: async (req, opts) => {
            const { toolCalls: _dropped, ...rest } = await fake.generate(req, opts);
            return rest;
          },
        });
      },
      { tools: true },
    );
    const err = await violation(cases, "generate returns the calls of declared tools in toolCalls");
    expect(err.message).toContain("must hold the 1 call(s)");
  });

  it("whose stream ignores its signal and timeoutMs", async () => {
    const cases = chatModelContract(
      (turn) => {
        const fake = fakeFor(turn);
        // The signal never reaches the model, so the stalled stream waits on.
        return broken(fake, { stream: (req) => fake.stream(req) });
      },
      { abortSettleMs: 200 },
    );
    const err = await violation(
      cases,
      "aborting in the middle of a stream rejects the read with ABORTED and ends the stream",
    );
    expect(err.message).toContain("did not settle within 200 ms");
    const timeout = await violation(cases, "a stream past its timeoutMs rejects with TIMEOUT");
    expect(timeout.message).toContain("did not settle within 200 ms");
  });
});

/** An EmbeddingModel that delegates to a FakeEmbeddingModel, with `embed` replaced. */
function brokenEmbeddings(
  embed: (
    inner: FakeEmbeddingModel,
    texts: string[],
    opts?: CallOptions,
  ) => Promise<Float32Array[]>,
  dimensions = 32,
): EmbeddingModel {
  const inner = new FakeEmbeddingModel({ dimensions: 32 });
  return { id: "broken:embedding", dimensions, embed: (texts, opts) => embed(inner, texts, opts) };
}

describe("embeddingModelContract fails for a broken EmbeddingModel", () => {
  const options = { backendFailures: false };

  it("that returns a batch in reverse order", async () => {
    const cases = embeddingModelContract(
      () =>
        brokenEmbeddings(async (inner, texts, opts) => (await inner.embed(texts, opts)).reverse()),
      options,
    );
    const err = await violation(
      cases,
      "a batch comes back as one vector per text, in the order of the texts",
    );
    expect(err.message).toContain("must keep the order of its texts");
  });

  it("whose vectors do not have its declared dimensions", async () => {
    const cases = embeddingModelContract(
      () => brokenEmbeddings((inner, texts, opts) => inner.embed(texts, opts), 64),
      options,
    );
    const err = await violation(
      cases,
      "dimensions is a positive whole number and every vector has that length",
    );
    expect(err.message).toContain("the model's dimensions say 64");
  });

  it("that fails on an empty list", async () => {
    const cases = embeddingModelContract(
      () =>
        brokenEmbeddings(async (inner, texts, opts) => {
          if (texts.length === 0) throw new FmopsError("VALIDATION_ERROR", "no texts");
          return inner.embed(texts, opts);
        }),
      options,
    );
    const err = await violation(cases, "an empty list resolves to an empty list");
    expect(err.message).toContain("the adapter failed where it must succeed");
  });
});

/** A Retriever over a BM25 index of the corpus, with its results bent by `bend`. */
function brokenRetriever(
  corpus: readonly Document[],
  bend: (
    inner: Bm25Index,
    query: string,
    options: RetrieveOptions,
  ) => ReturnType<Retriever["retrieve"]>,
): Retriever {
  const inner = new Bm25Index();
  inner.add([...corpus]);
  return { retrieve: (query, options = {}) => bend(inner, query, options) };
}

describe("retrieverContract fails for a broken Retriever", () => {
  it("that ignores k", async () => {
    const cases = retrieverContract((corpus) =>
      brokenRetriever(corpus, (inner, query, { k: _k, ...rest }) =>
        inner.retrieve(query, { ...rest, k: 100 }),
      ),
    );
    const err = await violation(
      cases,
      "at most k chunks come back, and some for a query that matches",
    );
    expect(err.message).toContain("asked for k = 1 but returned");
  });

  it("that lists the worst score first", async () => {
    const cases = retrieverContract((corpus) =>
      brokenRetriever(corpus, async (inner, query, options) =>
        (await inner.retrieve(query, options)).reverse(),
      ),
    );
    const err = await violation(
      cases,
      "chunks carry an id, the stored text, a finite score and metadata, best score first",
    );
    expect(err.message).toContain("scores must not increase down the list");
  });

  it("that ignores the filter", async () => {
    const cases = retrieverContract((corpus) =>
      brokenRetriever(corpus, (inner, query, { filter: _filter, ...rest }) =>
        inner.retrieve(query, rest),
      ),
    );
    const err = await violation(cases, "a filter on equality only lets matching chunks through");
    expect(err.message).toContain("does not match");
  });

  it("that changes the stored text", async () => {
    const cases = retrieverContract((corpus) =>
      brokenRetriever(corpus, async (inner, query, options) =>
        (await inner.retrieve(query, options)).map((c) => ({ ...c, text: c.text.toLowerCase() })),
      ),
    );
    const err = await violation(
      cases,
      "chunks carry an id, the stored text, a finite score and metadata, best score first",
    );
    expect(err.message).toContain("must be a stored text exactly");
  });
});

describe("sqlEngineContract fails for a broken SqlEngine", () => {
  const dir = mkdtempSync(join(tmpdir(), "fmops-broken-sql-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  let n = 0;
  const engineFor = (table: { name: string; csv: string }, readOnly = true) => {
    const path = join(dir, `${table.name}-${n++}.csv`);
    writeFileSync(path, table.csv);
    return new DuckDbEngine({ tables: { [table.name]: path }, readOnly });
  };

  it("that runs statements that write (DuckDbEngine with readOnly: false)", async () => {
    const cases = sqlEngineContract((table) => engineFor(table, false));
    const err = await violation(
      cases,
      "a statement that writes is refused with a typed error and changes nothing",
    );
    expect(err.message).toContain("must reject, but it resolved");
  });

  it("that ignores maxRows", async () => {
    const cases = sqlEngineContract((table) => {
      const inner = engineFor(table);
      const engine: SqlEngine = {
        dialect: inner.dialect,
        validate: (sql, opts) => inner.validate(sql, opts),
        execute: (sql, { maxRows: _maxRows, ...rest }: ExecuteOptions = {}) =>
          inner.execute(sql, rest),
      };
      return engine;
    });
    const err = await violation(cases, "maxRows caps the rows and marks the result truncated");
    expect(err.message).toContain("must return 2 rows, got 5");
  });
});

const QA_SCORES = [
  "exact_match_score",
  "quasi_exact_match_score",
  "precision_over_words",
  "recall_over_words",
  "f1_score",
];
const QA_OPTIONS = {
  scores: QA_SCORES,
  samples: [
    { output: "Paris", targets: ["Paris"] },
    { output: "It is Berlin.", targets: ["Berlin"] },
  ],
  failingSample: { output: "Rome", targets: [] },
};

/** QaAccuracy with `evaluateSample` bent by `bend`. */
function brokenQa(
  bend: (inner: QaAccuracy, sample: EvalSample) => ReturnType<EvalAlgorithm["evaluateSample"]>,
): EvalAlgorithm {
  const inner = new QaAccuracy();
  const algorithm: EvalAlgorithm = {
    name: "broken_qa",
    evaluateSample: (sample) => bend(inner, sample),
    evaluate: async (samples, options) => inner.evaluate(samples, options),
  };
  return algorithm;
}

describe("evaluationAlgorithmContract fails for a broken algorithm", () => {
  it("whose scores change from one run to the next", async () => {
    let calls = 0;
    const cases = evaluationAlgorithmContract(
      () =>
        brokenQa(async (inner, sample) => {
          const scores = await inner.evaluateSample(sample);
          return { ...scores, f1_score: (scores.f1_score ?? 0) * 0.5 ** (calls++ % 2) };
        }),
      QA_OPTIONS,
    );
    const err = await violation(cases, "the same sample scores the same every time");
    expect(err.message).toContain("must not depend on when a sample is scored");
  });

  it("that reports a score it does not declare", async () => {
    const cases = evaluationAlgorithmContract(
      () =>
        brokenQa(async (inner, sample) => ({ ...(await inner.evaluateSample(sample)), extra: 1 })),
      QA_OPTIONS,
    );
    const err = await violation(cases, "every sample is scored under exactly the declared names");
    expect(err.message).toContain("must report exactly the declared scores");
  });

  it("whose unscorable sample stops the whole run", async () => {
    const cases = evaluationAlgorithmContract(
      () =>
        brokenQa(async (inner, sample) => {
          if (sample.targets.length === 0) throw new FmopsError("ABORTED", "no target, giving up");
          return inner.evaluateSample(sample);
        }),
      QA_OPTIONS,
    );
    const err = await violation(
      cases,
      "a sample it cannot score fails alone with an FmopsError, and the next one still scores",
    );
    expect(err.message).toContain("stops the whole evaluation");
  });

  it("whose evaluate() ignores the signal", async () => {
    const cases = evaluationAlgorithmContract(() => {
      const algorithm = brokenQa((inner, sample) => inner.evaluateSample(sample));
      return { ...algorithm, evaluate: (samples) => new QaAccuracy().evaluate(samples) };
    }, QA_OPTIONS);
    const err = await violation(cases, "evaluate() with an aborted signal rejects with ABORTED");
    expect(err.message).toContain("must reject, but it resolved");
  });
});
