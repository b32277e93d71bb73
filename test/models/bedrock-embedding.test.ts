import { afterEach, describe, expect, it } from "vitest";
import {
  AbortedError,
  AwsServiceError,
  FmopsError,
  PermissionDeniedError,
  ValidationError,
} from "../../src/core/errors.js";
import {
  BedrockEmbeddingModel,
  type BedrockEmbeddingModelOptions,
  embeddingFamilyOf,
} from "../../src/models/bedrock-embedding.js";
import {
  type BedrockRuntimeHandlers,
  type BedrockRuntimeStandIn,
  type InvokeModelStandInRequest,
  standInError,
  startBedrockRuntime,
} from "../emulators/index.js";

/** A deterministic vector for a text, so the test can check order. */
function vectorFor(text: string, dimensions: number): number[] {
  let seed = 0;
  for (const ch of text) seed = (seed * 31 + (ch.codePointAt(0) ?? 0)) % 1000;
  return Array.from({ length: dimensions }, (_, i) => (seed + i) / 1000);
}

function titanHandler(calls: InvokeModelStandInRequest[], inFlight = { now: 0, max: 0 }) {
  return async (req: InvokeModelStandInRequest) => {
    calls.push(req);
    inFlight.now++;
    inFlight.max = Math.max(inFlight.max, inFlight.now);
    await new Promise((r) => setTimeout(r, 5));
    inFlight.now--;
    const { inputText, dimensions } = req.json<{ inputText: string; dimensions: number }>();
    return {
      body: { embedding: vectorFor(inputText, dimensions), inputTextTokenCount: inputText.length },
    };
  };
}

function cohereHandler(
  calls: InvokeModelStandInRequest[],
  shape: "by-type" | "floats" = "by-type",
) {
  return (req: InvokeModelStandInRequest) => {
    calls.push(req);
    const { texts } = req.json<{ texts: string[] }>();
    const vectors = texts.map((t) => vectorFor(t, 1024));
    return {
      body:
        shape === "by-type"
          ? { id: "x", texts, embeddings: { float: vectors }, response_type: "embeddings_by_type" }
          : { id: "x", texts, embeddings: vectors, response_type: "embeddings_floats" },
    };
  };
}

describe("BedrockEmbeddingModel", () => {
  let br: BedrockRuntimeStandIn | undefined;
  afterEach(async () => {
    await br?.close();
    br = undefined;
  });

  async function embedder(
    handlers: BedrockRuntimeHandlers,
    options: Partial<BedrockEmbeddingModelOptions> & { modelId: string },
  ): Promise<BedrockEmbeddingModel> {
    br = await startBedrockRuntime(handlers);
    return new BedrockEmbeddingModel({ client: br.client, ...options });
  }

  describe("Titan Text Embeddings V2", () => {
    it("sends one text per call with dimensions and normalize, in bounded parallel, keeping order", async () => {
      const calls: InvokeModelStandInRequest[] = [];
      const inFlight = { now: 0, max: 0 };
      const m = await embedder(
        { invokeModel: titanHandler(calls, inFlight) },
        {
          modelId: "amazon.titan-embed-text-v2:0",
          dimensions: 256,
          normalize: false,
          concurrency: 3,
        },
      );
      expect(m.family).toBe("titan-v2");
      expect(m.dimensions).toBe(256);
      expect(m.id).toBe("bedrock:amazon.titan-embed-text-v2:0");
      const texts = Array.from({ length: 10 }, (_, i) => `document number ${i}`);
      const vectors = await m.embed(texts);
      expect(vectors).toHaveLength(10);
      vectors.forEach((v, i) => {
        expect(v).toBeInstanceOf(Float32Array);
        expect(Array.from(v)).toEqual(
          Array.from(new Float32Array(vectorFor(texts[i] as string, 256))),
        );
      });
      expect(calls).toHaveLength(10);
      expect(calls[0]?.modelId).toBe("amazon.titan-embed-text-v2:0");
      expect(calls[0]?.contentType).toBe("application/json");
      expect(calls.map((c) => c.json())).toContainEqual({
        inputText: "document number 0",
        dimensions: 256,
        normalize: false,
      });
      expect(inFlight.max).toBeLessThanOrEqual(3);
      expect(inFlight.max).toBeGreaterThan(1);
    });

    it("defaults to 1024 dimensions and normalize true", async () => {
      const calls: InvokeModelStandInRequest[] = [];
      const m = await embedder(
        { invokeModel: titanHandler(calls) },
        { modelId: "amazon.titan-embed-text-v2:0" },
      );
      const [v] = await m.embed(["x"]);
      expect(v?.length).toBe(1024);
      expect(calls[0]?.json()).toEqual({ inputText: "x", dimensions: 1024, normalize: true });
    });

    it("throws EMBEDDING_DIMENSION_MISMATCH when a vector has the wrong length", async () => {
      const m = await embedder(
        { invokeModel: () => ({ body: { embedding: [0.1, 0.2], inputTextTokenCount: 1 } }) },
        { modelId: "amazon.titan-embed-text-v2:0", dimensions: 512 },
      );
      const err = await m.embed(["a"]).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(FmopsError);
      expect((err as FmopsError).code).toBe("EMBEDDING_DIMENSION_MISMATCH");
    });

    it("throws UNEXPECTED_RESPONSE when the answer is not JSON", async () => {
      const m = await embedder(
        { invokeModel: () => ({ body: "<html>oops</html>", contentType: "text/html" }) },
        { modelId: "amazon.titan-embed-text-v2:0" },
      );
      const err = await m.embed(["a"]).catch((e: unknown) => e);
      expect((err as FmopsError).code).toBe("UNEXPECTED_RESPONSE");
    });

    it("stops the remaining calls after the first failure", async () => {
      let count = 0;
      const m = await embedder(
        {
          invokeModel: () => {
            count++;
            return standInError({
              status: 400,
              type: "ValidationException",
              message: "Malformed input",
            });
          },
        },
        { modelId: "amazon.titan-embed-text-v2:0", concurrency: 2 },
      );
      const err = await m
        .embed(Array.from({ length: 50 }, (_, i) => `t${i}`))
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(AwsServiceError);
      expect((err as AwsServiceError).code).toBe("AWS_VALIDATION_EXCEPTION");
      expect(count).toBeLessThanOrEqual(2);
    });
  });

  describe("Cohere Embed", () => {
    it("batches more than 96 texts into calls of at most 96, keeping order", async () => {
      const calls: InvokeModelStandInRequest[] = [];
      const m = await embedder(
        { invokeModel: cohereHandler(calls) },
        { modelId: "cohere.embed-english-v3", inputType: "search_query", truncate: "END" },
      );
      expect(m.family).toBe("cohere");
      const texts = Array.from({ length: 200 }, (_, i) => `query ${i}`);
      const vectors = await m.embed(texts);
      expect(vectors).toHaveLength(200);
      expect(Array.from(vectors[150] as Float32Array)).toEqual(
        Array.from(new Float32Array(vectorFor("query 150", 1024))),
      );
      const bodies = calls.map((c) =>
        c.json<{
          texts: string[];
          input_type: string;
          truncate: string;
          embedding_types: string[];
        }>(),
      );
      expect(bodies.map((b) => b.texts.length).sort((a, b) => b - a)).toEqual([96, 96, 8]);
      expect(bodies.flatMap((b) => b.texts).sort()).toEqual([...texts].sort());
      for (const b of bodies) {
        expect(b.input_type).toBe("search_query");
        expect(b.truncate).toBe("END");
        expect(b.embedding_types).toEqual(["float"]);
      }
    });

    it("reads the plain-array answer shape too, and honours batchSize", async () => {
      const calls: InvokeModelStandInRequest[] = [];
      const m = await embedder(
        { invokeModel: cohereHandler(calls, "floats") },
        {
          modelId: "arn:aws:bedrock:us-east-1::foundation-model/cohere.embed-multilingual-v3",
          batchSize: 2,
        },
      );
      const vectors = await m.embed(["a", "b", "c"]);
      expect(vectors).toHaveLength(3);
      expect(calls).toHaveLength(2);
      expect(calls[0]?.json<{ input_type: string }>().input_type).toBe("search_document");
      expect(calls[0]?.modelId).toBe(
        "arn:aws:bedrock:us-east-1::foundation-model/cohere.embed-multilingual-v3",
      );
    });

    it("throws when the service returns a different number of vectors", async () => {
      const m = await embedder(
        { invokeModel: () => ({ body: { embeddings: { float: [vectorFor("a", 1024)] } } }) },
        { modelId: "cohere.embed-english-v3" },
      );
      const err = await m.embed(["a", "b"]).catch((e: unknown) => e);
      expect((err as FmopsError).code).toBe("UNEXPECTED_RESPONSE");
    });

    it("throws EMBEDDING_DIMENSION_MISMATCH when vectors are shorter than dimensions", async () => {
      const m = await embedder(
        { invokeModel: () => ({ body: { embeddings: { float: [vectorFor("a", 384)] } } }) },
        { modelId: "cohere.embed-english-v3" },
      );
      const err = await m.embed(["a"]).catch((e: unknown) => e);
      expect((err as FmopsError).code).toBe("EMBEDDING_DIMENSION_MISMATCH");
    });
  });

  it("turns access denied into PERMISSION_DENIED naming bedrock:InvokeModel", async () => {
    const m = await embedder(
      {
        invokeModel: () =>
          standInError({ status: 403, type: "AccessDeniedException", message: "no access" }),
      },
      { modelId: "amazon.titan-embed-text-v2:0" },
    );
    const err = await m.embed(["a"]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PermissionDeniedError);
    expect((err as Error).message).toContain("bedrock:InvokeModel");
  });

  it("ends with AbortedError when aborted while calls are pending", async () => {
    let release: (() => void) | undefined;
    const m = await embedder(
      {
        invokeModel: () =>
          new Promise((_, reject) => {
            release = () => reject(new Error("released"));
          }),
      },
      { modelId: "cohere.embed-english-v3" },
    );
    const controller = new AbortController();
    const pending = m.embed(["a"], { signal: controller.signal });
    await expect.poll(() => br?.requests.length).toBe(1);
    controller.abort();
    await expect(pending).rejects.toBeInstanceOf(AbortedError);
    release?.();
  });

  it("returns [] for no texts without calling the service", async () => {
    const m = await embedder({}, { modelId: "cohere.embed-english-v3" });
    expect(await m.embed([])).toEqual([]);
    expect(br?.requests).toHaveLength(0);
  });

  describe("validation", () => {
    it.each([
      [{ modelId: "amazon.titan-embed-text-v2:0", dimensions: 300 }, "dimensions"],
      [{ modelId: "my-custom-model" }, "family"],
      [{ modelId: "amazon.titan-embed-text-v2:0", inputType: "search_query" }, "inputType"],
      [{ modelId: "cohere.embed-english-v3", normalize: true }, "normalize"],
      [{ modelId: "cohere.embed-english-v3", batchSize: 97 }, "batchSize"],
      [{ modelId: "cohere.embed-english-v3", inputType: "query" }, "inputType"],
      [{ modelId: "cohere.embed-english-v3", concurrency: 0 }, "concurrency"],
      [{ modelId: "" }, "modelId"],
    ])("rejects options %j naming %s", (options, field) => {
      let err: unknown;
      try {
        new BedrockEmbeddingModel(options as BedrockEmbeddingModelOptions);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(ValidationError);
      expect((err as ValidationError).issues.map((i) => i.path)).toContain(field);
    });

    it("accepts an explicit family for ids it cannot recognise", () => {
      const m = new BedrockEmbeddingModel({
        modelId: "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/abc123",
        family: "cohere",
        dimensions: 384,
        region: "us-east-1",
      });
      expect(m.family).toBe("cohere");
      expect(m.dimensions).toBe(384);
    });

    it("rejects blank texts before any request", async () => {
      const m = await embedder(
        { invokeModel: titanHandler([]) },
        { modelId: "amazon.titan-embed-text-v2:0" },
      );
      const err = await m.embed(["ok", " "]).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ValidationError);
      expect((err as ValidationError).issues[0]?.path).toBe("texts.1");
      expect(br?.requests).toHaveLength(0);
    });

    it("recognises families from ids and ARNs", () => {
      expect(embeddingFamilyOf("amazon.titan-embed-text-v2:0")).toBe("titan-v2");
      expect(
        embeddingFamilyOf(
          "arn:aws:bedrock:us-west-2::foundation-model/amazon.titan-embed-text-v2:0",
        ),
      ).toBe("titan-v2");
      expect(embeddingFamilyOf("cohere.embed-multilingual-v3")).toBe("cohere");
      expect(embeddingFamilyOf("amazon.titan-embed-text-v1")).toBeUndefined();
      expect(embeddingFamilyOf("anthropic.claude-3-haiku")).toBeUndefined();
    });
  });
});
