/**
 * Every built-in EmbeddingModel against `embeddingModelContract`: Bedrock (Titan v2 one text per
 * call with concurrency, Cohere in batches) and SageMaker (TEI and JumpStart, in batches) through
 * their real clients on the local stand-ins, and FakeEmbeddingModel. The stand-ins compute each
 * text's vector from the text alone, so a vector in the wrong place is visible.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, it } from "vitest";
import { BedrockEmbeddingModel } from "../../src/models/bedrock-embedding.js";
import { SageMakerEmbeddingModel } from "../../src/models/sagemaker-embedding.js";
import { TitanMultimodalEmbeddingModel } from "../../src/models/titan-multimodal-embedding.js";
import { TransformersEmbeddingModel } from "../../src/rag/transformers-embedding-model.js";
import {
  type EmbeddingContractBackend,
  embeddingModelContract,
} from "../../src/testing/contracts/embedding-model.js";
import { embedText, FakeEmbeddingModel } from "../../src/testing/fake-embedding-model.js";
import { startBedrockRuntime } from "../emulators/bedrock-runtime.js";
import { standInError } from "../emulators/http.js";
import { startSageMakerRuntime } from "../emulators/sagemaker-runtime.js";
import { TINY_VOCAB, writeTinyBertModel } from "../rag/tiny-bert-model.js";

const DIMENSIONS = 256;
const vector = (text: string) => Array.from(embedText(text, DIMENSIONS));

function failure(backend: EmbeddingContractBackend, status: number, type: string) {
  return standInError({ status, type, message: backend.fail?.message ?? "failed" });
}

describe("BedrockEmbeddingModel (Titan v2) meets the EmbeddingModel contract (Bedrock Runtime stand-in)", () => {
  const cases = embeddingModelContract(async (backend) => {
    const br = await startBedrockRuntime({
      invokeModel: async (req) => {
        if (backend.fail) return failure(backend, 500, "InternalServerException");
        const { inputText } = req.json<{ inputText: string }>();
        // Shorter texts answer later, so concurrent calls finish out of order.
        await sleep(Math.max(0, 8 - (inputText.length % 8)));
        return { body: { embedding: vector(inputText), inputTextTokenCount: inputText.length } };
      },
    });
    return {
      subject: new BedrockEmbeddingModel({
        modelId: "amazon.titan-embed-text-v2:0",
        dimensions: DIMENSIONS,
        client: br.client,
      }),
      close: () => br.close(),
    };
  });
  for (const c of cases) it(c.name, c.run);
});

describe("BedrockEmbeddingModel (Cohere) meets the EmbeddingModel contract (Bedrock Runtime stand-in)", () => {
  const cases = embeddingModelContract(async (backend) => {
    const br = await startBedrockRuntime({
      invokeModel: (req) => {
        if (backend.fail) return failure(backend, 500, "InternalServerException");
        const { texts } = req.json<{ texts: string[] }>();
        return {
          body: {
            id: "contract",
            texts,
            embeddings: { float: texts.map(vector) },
            response_type: "embeddings_by_type",
          },
        };
      },
    });
    return {
      subject: new BedrockEmbeddingModel({
        modelId: "cohere.embed-english-v3",
        dimensions: DIMENSIONS,
        batchSize: 3,
        client: br.client,
      }),
      close: () => br.close(),
    };
  });
  for (const c of cases) it(c.name, c.run);
});

for (const format of ["tei", "jumpstart"] as const) {
  describe(`SageMakerEmbeddingModel format ${format} meets the EmbeddingModel contract (SageMaker Runtime stand-in)`, () => {
    const cases = embeddingModelContract(async (backend) => {
      const sm = await startSageMakerRuntime({
        invokeEndpoint: (req) => {
          if (backend.fail) return failure(backend, 424, "ModelError");
          if (format === "tei")
            return { body: req.json<{ inputs: string[] }>().inputs.map(vector) };
          const texts = req.json<{ text_inputs: string[] }>().text_inputs;
          return { body: { embedding: texts.map(vector) } };
        },
      });
      return {
        subject: new SageMakerEmbeddingModel({
          client: sm.client,
          endpointName: "contract",
          format,
          dimensions: DIMENSIONS,
          batchSize: 3,
        }),
        close: () => sm.close(),
      };
    });
    for (const c of cases) it(c.name, c.run);
  });
}

describe("TitanMultimodalEmbeddingModel (texts) meets the EmbeddingModel contract (Bedrock Runtime stand-in)", () => {
  const cases = embeddingModelContract(async (backend) => {
    const br = await startBedrockRuntime({
      invokeModel: (req) => {
        if (backend.fail) return failure(backend, 500, "InternalServerException");
        const { inputText } = req.json<{ inputText: string }>();
        return { body: { embedding: vector(inputText), inputTextTokenCount: inputText.length } };
      },
    });
    return {
      subject: new TitanMultimodalEmbeddingModel({ dimensions: DIMENSIONS, client: br.client }),
      close: () => br.close(),
    };
  });
  for (const c of cases) it(c.name, c.run);
});

describe("TransformersEmbeddingModel meets the EmbeddingModel contract (a generated ONNX model)", () => {
  const DIMS = 6;
  let root: string;
  let folder: string;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), "fmops-contract-bert-"));
    folder = join(root, "local", "tiny-bert");
    const table = Float32Array.from({ length: TINY_VOCAB.length * DIMS }, (_, i) =>
      Math.fround(Math.sin(i * 1.7 + 0.3) * 3 + (i % DIMS) * 0.25),
    );
    await writeTinyBertModel(folder, table, DIMS);
  });
  afterAll(() => rm(root, { recursive: true, force: true }));
  const cases = embeddingModelContract(
    () => {
      const model = new TransformersEmbeddingModel({ model: folder, dimensions: DIMS });
      return { subject: model, close: () => model.dispose() };
    },
    { backendFailures: false },
  );
  for (const c of cases) it(c.name, c.run);
});

describe("FakeEmbeddingModel meets the EmbeddingModel contract", () => {
  const cases = embeddingModelContract(() => new FakeEmbeddingModel({ dimensions: 64 }), {
    backendFailures: false,
  });
  for (const c of cases) it(c.name, c.run);
});
