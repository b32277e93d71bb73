/**
 * Media types are looked up in tables of the formats Bedrock Converse takes. An application may
 * forward a media type it was given (an upload's Content-Type), so a name such as `constructor`
 * or `toString` must be refused like any unsupported type, never resolved to Object.prototype's
 * functions and sent as a "format".
 */
import type { ContentBlock as BedrockBlock } from "@aws-sdk/client-bedrock-runtime";
import { describe, expect, it } from "vitest";
import { ValidationError } from "../../src/core/errors.js";
import { fromBedrockContent, toBedrockMessages } from "../../src/models/bedrock-content.js";

const bytes = new Uint8Array([1, 2, 3]);

describe("Bedrock content tables are read by own keys only", () => {
  it.each(["constructor", "toString", "hasOwnProperty", "valueOf"])(
    "a document of media type %s is refused with a ValidationError",
    (mediaType) => {
      expect(() =>
        toBedrockMessages([
          {
            role: "user",
            content: [{ type: "document", name: "doc", mediaType, bytes }],
          },
        ]),
      ).toThrow(ValidationError);
    },
  );

  it.each(["constructor", "toString"])(
    "an image block of format %s in a reply keeps a plain media type",
    (format) => {
      const answer = fromBedrockContent([
        { image: { format, source: { bytes } } } as unknown as BedrockBlock,
      ]);
      expect(answer.content[0]).toMatchObject({ type: "image", mediaType: `image/${format}` });
    },
  );
});
