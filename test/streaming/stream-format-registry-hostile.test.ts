/**
 * registerStreamFormat checks a definition once and keeps what it checked: a `createDecoder`
 * getter that answers the check with a function and the registration with something else must
 * end in a ValidationError or in the checked function, never in a TypeError or a broken entry.
 * Names that are Object.prototype members are ordinary unregistered names.
 */
import { describe, expect, it } from "vitest";
import { ValidationError } from "../../src/core/errors.js";
import { UnknownFormatError } from "../../src/streaming/errors.js";
import {
  type LineDecoder,
  registerStreamFormat,
  streamFormatDefinition,
} from "../../src/streaming/formats.js";

const decoder = (): LineDecoder => ({ push: () => true });

describe("stream format registry against hostile definitions", () => {
  it("uses the createDecoder it checked, whatever a getter answers later", () => {
    for (let honestReads = 1; honestReads <= 4; honestReads++) {
      let reads = 0;
      const definition = {
        get createDecoder() {
          reads++;
          return reads <= honestReads ? decoder : "not a function";
        },
      };
      const name = `shifty-${honestReads}`;
      try {
        registerStreamFormat(name, definition as never);
      } catch (err) {
        expect(err).toBeInstanceOf(ValidationError);
        continue;
      }
      const created = streamFormatDefinition(name).createDecoder({});
      expect(typeof created.push).toBe("function");
    }
  });

  it.each(["constructor", "tostring", "hasownproperty"])("%s is an unregistered name", (name) => {
    expect(() => streamFormatDefinition(name)).toThrow(UnknownFormatError);
  });

  it("refuses __proto__ as a name", () => {
    expect(() => registerStreamFormat("__proto__", { createDecoder: decoder })).toThrow(
      ValidationError,
    );
  });
});
