/**
 * Names that arrive on the wire (a SageMaker ModelStreamError's ErrorCode, a Bedrock event's
 * member name) are looked up in small tables of known values. A lookup must only ever see the
 * table's own entries: `constructor`, `toString` or `__proto__` must read as "not known", never
 * as Object.prototype's functions.
 */
import type { ConverseStreamOutput } from "@aws-sdk/client-bedrock-runtime";
import { describe, expect, it } from "vitest";
import { decodeConverseStream } from "../../src/streaming/bedrock.js";
import { bytesOf } from "../../src/streaming/chunks.js";
import { ModelStreamError, StreamDecodeError } from "../../src/streaming/errors.js";

const PROTOTYPE_NAMES = ["constructor", "toString", "hasOwnProperty", "valueOf"];

describe("wire names never resolve through Object.prototype", () => {
  it.each(PROTOTYPE_NAMES)(
    "a SageMaker ModelStreamError with ErrorCode %s gets the generic hint",
    (code) => {
      let thrown: unknown;
      try {
        bytesOf({ ModelStreamError: { Message: "boom", ErrorCode: code } });
      } catch (err) {
        thrown = err;
      }
      expect(thrown).toBeInstanceOf(ModelStreamError);
      const message = (thrown as Error).message;
      expect(message).not.toContain("native code");
      expect(message.endsWith(" See the model container's logs.")).toBe(true);
    },
  );

  it.each(PROTOTYPE_NAMES)("a Bedrock event named %s is an unknown event", async (member) => {
    async function* events(): AsyncGenerator<ConverseStreamOutput> {
      yield { [member]: { message: "x" } } as unknown as ConverseStreamOutput;
    }
    let thrown: unknown;
    try {
      for await (const _ of decodeConverseStream(events())) {
        // draining
      }
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(StreamDecodeError);
    expect(thrown).not.toBeInstanceOf(ModelStreamError);
  });
});
