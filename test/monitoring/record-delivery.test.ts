import { afterEach, describe, expect, it, vi } from "vitest";
import type { ImageModel } from "../../src/models/image-types.js";
import { instrument, type MonitoringErrorContext } from "../../src/monitoring/instrument.js";
import type { InvocationRecord } from "../../src/monitoring/record.js";
import type { MetricSink } from "../../src/monitoring/types.js";
import { FakeChatModel } from "../../src/testing/fake-chat-model.js";
import { tinyPng } from "../emulators/index.js";

afterEach(() => {
  vi.restoreAllMocks();
});

const imageModel: ImageModel = {
  id: "bedrock:amazon.nova-canvas-v1:0",
  tasks: ["textToImage"],
  async generate() {
    return { images: [{ bytes: tinyPng(), mediaType: "image/png" }], metadata: {} };
  },
};

/** A sink whose writes (and flush) fail, counting what it was asked to do. */
function brokenSink() {
  const calls = { write: 0, flush: 0, close: 0 };
  const sink: MetricSink = {
    async write() {
      calls.write++;
      throw new Error("disk full");
    },
    async flush() {
      calls.flush++;
      throw new Error("flush failed");
    },
    async close() {
      calls.close++;
    },
  };
  return { sink, calls };
}

// The chat and the image wrappers deliver records the same way; each case runs on both.
const wrappers = {
  chat: (options: Parameters<typeof instrument>[1]) => {
    const model = instrument(new FakeChatModel({ responses: () => "ok" }), options);
    return {
      call: () => model.generate({ messages: [{ role: "user", content: "hi" }] }),
      model,
    };
  },
  image: (options: Parameters<typeof instrument>[1]) => {
    const model = instrument(imageModel, options);
    return { call: () => model.generate({ prompt: "a kite" }), model };
  },
};

describe.each(Object.entries(wrappers))(
  "record delivery of instrument() on a %s model",
  (_, wrap) => {
    it("sends sink, flush and onRecord failures to onError, never to the caller", async () => {
      const broken = brokenSink();
      const seen: MonitoringErrorContext[] = [];
      const { call, model } = wrap({
        sinks: [broken.sink],
        onRecord: () => {
          throw new Error("callback failed");
        },
        onError: (_error, context) => seen.push(context),
      });
      await call();
      await model.close();
      expect(seen.map((c) => `${c.stage}:${c.name}`)).toEqual([
        "sink:onRecord",
        "sink:0",
        "sink:0",
      ]);
      expect(seen[1]?.record?.status).toBe("ok");
      expect(seen[2]?.record).toBeUndefined();
      expect(broken.calls).toEqual({ write: 1, flush: 1, close: 1 });
    });

    it("without onError, warns once per failing sink however often it fails", async () => {
      const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
      const broken = brokenSink();
      const records: InvocationRecord[] = [];
      const { call, model } = wrap({ sinks: [broken.sink], onRecord: (r) => records.push(r) });
      await call();
      await call();
      await model.flush();
      expect(records).toHaveLength(2);
      expect(broken.calls.write).toBe(2);
      expect(warn.mock.calls).toEqual([
        ["fmops monitoring: sink 0 failed (further failures of it are not shown): disk full"],
      ]);
    });

    it("prices each record before onRecord sees it", async () => {
      const records: InvocationRecord[] = [];
      const { call, model } = wrap({
        prices: { instanceHour: { pricePerInstanceHour: 3600 } },
        onRecord: (r) => records.push(r),
      });
      await call();
      await model.flush();
      expect(records[0]?.cost).toBeGreaterThanOrEqual(0);
      expect(typeof records[0]?.cost).toBe("number");
    });
  },
);
