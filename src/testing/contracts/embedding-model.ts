/**
 * {@link embeddingModelContract}: the behaviour every {@link EmbeddingModel} must share.
 *
 * @module
 */
import type { EmbeddingModel } from "../../models/index.js";
import {
  abortedSignal,
  type ContractCase,
  type ContractFactory,
  check,
  contractCase,
  describe,
  expectFmopsError,
  rejection,
} from "./contract.js";

/** How the backend behind the model behaves in one case. */
export interface EmbeddingContractBackend {
  /**
   * Fail every call the way the service fails (an HTTP 500, a model error) with this message.
   * Absent: answer each text with its vector, the same text always with the same vector.
   */
  fail?: {
    /** The error message the failing backend answers with. */
    message: string;
  };
}

/** Options of {@link embeddingModelContract}. */
export interface EmbeddingModelContractOptions {
  /**
   * How many texts the order case embeds in one call; make it larger than the model's batch
   * size so that batches are split and put back together. Default 7.
   */
  batchTexts?: number;
  /**
   * Whether the model has a backend that can fail (the failure case is left out when false, as
   * for an in-process model). Default true.
   */
  backendFailures?: boolean;
}

const TEXTS = [
  "Athena bills by the bytes a query scans.",
  "Bedrock Knowledge Bases retrieve chunks from a vector index.",
  "Grüße aus Köln: 你好 👋",
  "SageMaker endpoints stream tokens as event-stream frames.",
  "A red apple a day keeps the doctor away.",
  "Kendra answers questions from indexed documents.",
  "Parquet stores columns together, so scans read less.",
  "The quick brown fox jumps over the lazy dog.",
  "Embeddings map text to vectors whose cosine says how alike two texts are.",
];

function isEmbeddingModel(value: unknown): boolean {
  const m = value as EmbeddingModel | undefined;
  return typeof m === "object" && m !== null && typeof m.embed === "function";
}

function same(a: Float32Array, b: Float32Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Checks that `vectors` has one well-formed vector per text. */
function checkVectors(
  name: string,
  model: EmbeddingModel,
  texts: readonly string[],
  vectors: unknown,
): asserts vectors is Float32Array[] {
  check(
    Array.isArray(vectors) && vectors.length === texts.length,
    name,
    `embed() of ${texts.length} texts must resolve with ${texts.length} vectors, got ${describe(Array.isArray(vectors) ? `${vectors.length} vectors` : vectors)}`,
  );
  vectors.forEach((vector: unknown, i: number) => {
    check(
      vector instanceof Float32Array,
      name,
      `vector ${i} must be a Float32Array, got ${describe(vector)}`,
    );
    check(
      vector.length === model.dimensions,
      name,
      `vector ${i} has ${vector.length} numbers, but the model's dimensions say ${model.dimensions}`,
    );
    check(
      vector.every((x) => Number.isFinite(x)),
      name,
      `vector ${i} holds a number that is not finite (NaN or Infinity)`,
    );
  });
}

/**
 * The contract every {@link EmbeddingModel} meets, as a list of cases to hand to a test
 * framework. `factory` builds the model on a backend (a local stand-in of the service, or a fake)
 * that answers every text with a vector, deterministically.
 *
 * The cases check that `dimensions` is a positive whole number and every vector has that many
 * finite numbers; that a batch comes back with one vector per text in the order of the texts
 * (checked against embedding each text alone, across the model's own batch splits); that the
 * same text gets the same vector; that an empty list resolves to an empty list; that an aborted
 * signal rejects with `ABORTED`; and that a failing backend surfaces as an `FmopsError` with a
 * stable code.
 *
 * @example
 * ```ts
 * import { it } from "vitest";
 * import { embeddingModelContract, FakeEmbeddingModel } from "fmops/testing";
 *
 * for (const c of embeddingModelContract(() => new FakeEmbeddingModel({ dimensions: 32 }))) {
 *   it(c.name, c.run);
 * }
 * ```
 */
export function embeddingModelContract(
  factory: ContractFactory<EmbeddingContractBackend, EmbeddingModel>,
  options: EmbeddingModelContractOptions = {},
): ContractCase[] {
  const batch = TEXTS.slice(0, Math.max(2, Math.min(options.batchTexts ?? 7, TEXTS.length)));
  const make = (
    name: string,
    backend: EmbeddingContractBackend,
    body: (model: EmbeddingModel, name: string) => Promise<void>,
  ) => contractCase(name, () => factory(backend), isEmbeddingModel, "EmbeddingModel", body);

  const cases = [
    make(
      "dimensions is a positive whole number and every vector has that length",
      {},
      async (model, name) => {
        check(
          typeof model.id === "string" && model.id.length > 0,
          name,
          `model.id must be a non-empty string, got ${describe(model.id)}`,
        );
        check(
          Number.isInteger(model.dimensions) && model.dimensions > 0,
          name,
          `model.dimensions must be a positive whole number, got ${describe(model.dimensions)}`,
        );
        const texts = TEXTS.slice(0, 3);
        checkVectors(name, model, texts, await model.embed([...texts]));
      },
    ),
    make(
      "a batch comes back as one vector per text, in the order of the texts",
      {},
      async (model, name) => {
        const together = await model.embed([...batch]);
        checkVectors(name, model, batch, together);
        const alone: Float32Array[] = [];
        for (const text of batch) {
          const [vector] = await model.embed([text]);
          checkVectors(name, model, [text], [vector]);
          alone.push(vector as Float32Array);
        }
        const distinct = new Set(alone.map((v) => Array.from(v).join(","))).size;
        check(
          distinct > 1,
          name,
          "every text got the same vector, so the order of a batch cannot be told apart; the backend must embed each text",
        );
        batch.forEach((text, i) => {
          check(
            same(together[i] as Float32Array, alone[i] as Float32Array),
            name,
            `vector ${i} of the batch is not the vector of its text ${describe(text)} (embedded alone): a batch must keep the order of its texts`,
          );
        });
      },
    ),
    make("the same text embeds to the same vector", {}, async (model, name) => {
      const text = TEXTS[0] as string;
      const vectors = await model.embed([text, TEXTS[1] as string, text]);
      checkVectors(name, model, [text, "", text], vectors);
      check(
        same(vectors[0] as Float32Array, vectors[2] as Float32Array),
        name,
        "the same text twice in one batch must get the same vector",
      );
    }),
    make("an empty list resolves to an empty list", {}, async (model, name) => {
      const vectors = await model.embed([]);
      check(
        Array.isArray(vectors) && vectors.length === 0,
        name,
        `embed([]) must resolve with [], got ${describe(vectors)}`,
      );
    }),
    make("embed with an aborted signal rejects with ABORTED", {}, async (model, name) => {
      const err = await rejection(
        model.embed([...batch], { signal: abortedSignal() }),
        name,
        "embed() with an aborted signal",
      );
      expectFmopsError(err, name, "embed() with an aborted signal", "ABORTED");
    }),
  ];
  if (options.backendFailures === false) return cases;
  cases.push(
    make(
      "a failing backend rejects embed with an FmopsError",
      { fail: { message: "The embedding model failed (contract test)." } },
      async (model, name) => {
        const err = await rejection(model.embed([...batch]), name, "embed() on a failing backend");
        expectFmopsError(err, name, "embed() on a failing backend");
      },
    ),
  );
  return cases;
}
