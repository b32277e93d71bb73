/**
 * Fields whose schema used to accept anything (`z.unknown()`, a record of unknowns) while the
 * options type promised a shape: binding each schema to its type with `schemaFor` exposed them,
 * and they are now checked where the value comes in, with a `ValidationError` naming the field,
 * instead of failing later (a TypeError deep inside) or never. Values the types allow still pass.
 */
import { describe, expect, it } from "vitest";
import { ValidationError } from "../../src/core/errors.js";
import { Bm25Index } from "../../src/rag/bm25.js";
import { OpenSearchVectorStore } from "../../src/rag/opensearch-vector-store.js";
import { RagChain } from "../../src/rag/rag-chain.js";
import { RecursiveTextSplitter } from "../../src/rag/splitter.js";
import { FakeChatModel } from "../../src/testing/fake-chat-model.js";

function validationError(run: () => unknown): ValidationError {
  try {
    run();
  } catch (err) {
    if (err instanceof ValidationError) return err;
    throw new Error(`expected a ValidationError, got ${String(err)}`);
  }
  throw new Error("expected a ValidationError, but nothing was thrown");
}

describe("options fields checked as their types say", () => {
  it("RagChain refuses a catalog that is not a PromptCatalog at construction", () => {
    const error = validationError(
      () =>
        new RagChain({
          retriever: new Bm25Index(),
          model: new FakeChatModel({ responses: ["x"] }),
          // @ts-expect-error: a plain object is not a PromptCatalog.
          catalog: { prompts: [] },
        }),
    );
    expect(error.issues.map((i) => i.path)).toEqual(["catalog"]);
    expect(error.message).toBe("Invalid RagChain options: catalog: must be a PromptCatalog.");
  });

  it("RagChain refuses a prompt that is neither an id, a template nor a definition", () => {
    const error = validationError(
      () =>
        new RagChain({
          retriever: new Bm25Index(),
          model: new FakeChatModel({ responses: ["x"] }),
          // @ts-expect-error: a number is not a prompt reference.
          prompt: 42,
        }),
    );
    expect(error.issues.map((i) => i.path)).toEqual(["prompt"]);
  });

  it("OpenSearchVectorStore checks aws.credentials like every other credentials option", () => {
    const base = { node: "http://127.0.0.1:9", index: "docs", dimensions: 4 };
    const error = validationError(
      () =>
        new OpenSearchVectorStore({
          ...base,
          // @ts-expect-error: static credentials need a secret access key.
          aws: { region: "us-east-1", credentials: { accessKeyId: "AKIDEXAMPLE" } },
        }),
    );
    expect(error.issues.map((i) => i.path)).toEqual(["aws.credentials"]);
    const store = new OpenSearchVectorStore({
      ...base,
      aws: {
        region: "us-east-1",
        credentials: { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "x", sessionToken: "t" },
      },
    });
    expect(store).toBeInstanceOf(OpenSearchVectorStore);
  });

  it("the splitter refuses document metadata the filters could not compare", () => {
    const splitter = new RecursiveTextSplitter({ chunkSize: 100 });
    const error = validationError(() =>
      splitter.split({
        id: "a",
        text: "hello",
        // @ts-expect-error: a nested object is not a metadata value.
        metadata: { source: "a.md", owner: { team: "x" } },
      }),
    );
    expect(error.issues.map((i) => i.path)).toEqual(["metadata.owner"]);
    const [chunk] = splitter.split({
      id: "a",
      text: "hello",
      metadata: { source: "a.md", year: 2024, draft: false, tags: ["x", 1], none: null },
    });
    expect(chunk?.metadata).toMatchObject({ source: "a.md", year: 2024, tags: ["x", 1] });
  });

  it("RagChain.ask refuses an unknown option, like every other options object", async () => {
    const chain = new RagChain({
      retriever: new Bm25Index(),
      model: new FakeChatModel({ responses: ["x"] }),
    });
    // @ts-expect-error: `kk` is a typo of `k`.
    const asked = chain.ask("What is fmops?", { kk: 2 });
    await expect(asked).rejects.toThrow(
      "Invalid RagChain.ask options: unknown option `kk`; did you mean `k`?",
    );
  });
});
