import { afterEach, describe, expect, it } from "vitest";
import { ValidationError } from "../../src/core/errors.js";
import { BedrockImageModel } from "../../src/models/bedrock-image.js";
import type { ImageModel, ImageRequest } from "../../src/models/image-types.js";
import { instrument } from "../../src/monitoring/instrument.js";
import { instrumentImageModel } from "../../src/monitoring/instrument-image.js";
import { MemorySink } from "../../src/monitoring/types.js";
import {
  type BedrockRuntimeStandIn,
  bedrockImageModels,
  startBedrockRuntime,
  tinyPng,
} from "../emulators/index.js";
import { ManualClock } from "./helpers.js";

let br: BedrockRuntimeStandIn | undefined;
afterEach(async () => {
  await br?.close();
  br = undefined;
});

/** An image model whose calls take `ms` on the manual clock and return `count` images. */
function timedModel(clock: ManualClock, ms: number): ImageModel & { requests: ImageRequest[] } {
  const requests: ImageRequest[] = [];
  return {
    id: "bedrock:amazon.nova-canvas-v1:0",
    tasks: ["textToImage"],
    requests,
    async generate(request) {
      requests.push(request);
      clock.advance(ms);
      const count = request.count ?? 1;
      return {
        images: Array.from({ length: count }, () => ({ bytes: tinyPng(), mediaType: "image/png" })),
        metadata: {},
      };
    },
  };
}

describe("instrument() on an ImageModel", () => {
  it("records latency per call and per image, the image count and the dimensions", async () => {
    const clock = new ManualClock();
    const sink = new MemorySink();
    const inner = timedModel(clock, 900);
    const model = instrument(inner, { sinks: [sink], dimensions: { app: "posters" }, clock });
    expect(model.id).toBe(inner.id);
    expect(model.tasks).toEqual(["textToImage"]);
    const result = await model.generate({ prompt: "a poster", count: 3 });
    expect(result.images).toHaveLength(3);
    expect(inner.requests).toEqual([{ prompt: "a poster", count: 3 }]);
    await model.flush();
    expect(sink.records).toHaveLength(1);
    expect(sink.records[0]).toMatchObject({
      modelId: "bedrock:amazon.nova-canvas-v1:0",
      provider: "aws.bedrock",
      operation: "image",
      streaming: false,
      status: "ok",
      e2eMs: 900,
      images: 3,
      msPerImage: 300,
      dimensions: { app: "posters" },
    });
  });

  it("records a refusal and a validation failure with their codes, and rethrows them unchanged", async () => {
    br = await startBedrockRuntime({
      invokeModel: bedrockImageModels({ blockedWords: ["forbidden"] }),
    });
    const records: unknown[] = [];
    const model = instrumentImageModel(
      new BedrockImageModel({ modelId: "amazon.titan-image-generator-v2:0", client: br.client }),
      { onRecord: (r) => records.push(r) },
    );
    const refused = await model.generate({ prompt: "forbidden" }).catch((e: unknown) => e);
    expect((refused as { code?: string }).code).toBe("IMAGE_CONTENT_FILTERED");
    const invalid = await model.generate({ prompt: "a", seed: -1 }).catch((e: unknown) => e);
    expect(invalid).toBeInstanceOf(ValidationError);
    const ok = await model.generate({ prompt: "a fox", width: 512, height: 512 });
    expect(ok.images).toHaveLength(1);
    await model.flush();
    expect(records).toMatchObject([
      { operation: "image", status: "error", errorType: "IMAGE_CONTENT_FILTERED" },
      { operation: "image", status: "error", errorType: "VALIDATION_ERROR" },
      { operation: "image", status: "ok", images: 1 },
    ]);
    expect(records[0]).not.toHaveProperty("images");
  });

  it("records an abort through the caller's signal as aborted", async () => {
    br = await startBedrockRuntime({
      invokeModel: async (req) => {
        await new Promise((r) => setTimeout(r, 2_000));
        return bedrockImageModels()(req);
      },
    });
    const sink = new MemorySink();
    const model = instrument(
      new BedrockImageModel({ modelId: "amazon.nova-canvas-v1:0", client: br.client }),
      { sinks: [sink] },
    );
    const controller = new AbortController();
    const pending = model.generate({ prompt: "a" }, { signal: controller.signal });
    setTimeout(() => controller.abort(), 20);
    await expect(pending).rejects.toMatchObject({ code: "ABORTED" });
    await model.flush();
    expect(sink.records[0]).toMatchObject({ status: "aborted", errorType: "ABORTED" });
  });

  it("refuses chat-only options such as metric modules", () => {
    const clock = new ManualClock();
    expect(() => instrumentImageModel(timedModel(clock, 1), { metrics: [] } as never)).toThrow(
      ValidationError,
    );
  });
});
