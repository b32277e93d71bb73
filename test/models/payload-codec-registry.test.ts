/**
 * The SageMaker payload-codec registry: a built-in (`tgi`, ...) is replaced only on purpose
 * (`replace: true`), never by a second registration of the same name, and never by a codec whose
 * `name` reads one way when checked and another when stored. Names such as `constructor` are
 * ordinary names, not doors into Object.prototype.
 */
import { describe, expect, it } from "vitest";
import { ValidationError } from "../../src/core/errors.js";
import {
  payloadCodec,
  registerSageMakerPayloadCodec,
  type SageMakerPayloadCodec,
} from "../../src/models/sagemaker-payloads.js";

const plain = (name: string): SageMakerPayloadCodec => ({
  name,
  body: (request) => ({ inputs: request.messages.at(-1)?.content }),
  parse: () => ({ text: "", toolCalls: [] }),
});

describe("payload codec registry", () => {
  it("refuses a second registration of a built-in name unless replace is set", () => {
    const tgi = payloadCodec("tgi");
    expect(() => registerSageMakerPayloadCodec(plain("tgi"))).toThrow(/already registered/);
    expect(payloadCodec("tgi")).toBe(tgi);
    const mine = plain("tgi");
    registerSageMakerPayloadCodec(mine, { replace: true });
    try {
      expect(payloadCodec("tgi")).toBe(mine);
    } finally {
      registerSageMakerPayloadCodec(tgi, { replace: true });
    }
  });

  it("never lets a name getter that changes between reads replace a built-in", () => {
    const tgi = payloadCodec("tgi");
    // Whichever read the registry bases its decision on, a later read must not pick the slot.
    for (let honestReads = 1; honestReads <= 6; honestReads++) {
      let reads = 0;
      const shifty = {
        ...plain("unused"),
        get name() {
          reads++;
          return reads <= honestReads ? `shifty-${honestReads}` : "tgi";
        },
      } as SageMakerPayloadCodec;
      try {
        registerSageMakerPayloadCodec(shifty);
      } catch (err) {
        expect(err).toBeInstanceOf(ValidationError);
      }
      expect(payloadCodec("tgi"), `after ${honestReads} honest reads`).toBe(tgi);
    }
  });

  it.each(["constructor", "toString", "hasOwnProperty"])(
    "looks %s up as an ordinary unregistered name",
    (name) => {
      expect(() => payloadCodec(name)).toThrow(ValidationError);
    },
  );

  it("refuses __proto__ as a name", () => {
    expect(() => registerSageMakerPayloadCodec(plain("__proto__"))).toThrow(ValidationError);
  });
});
