import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { formatS3Uri, joinS3Uri, parseS3Uri } from "../../src/core/s3-uri.js";

const bucket = fc
  .string({ unit: fc.constantFrom(..."abcdefghijklmnopqrstuvwxyz0123456789.-"), maxLength: 30 })
  .map((middle) => `bk${middle}0`);

describe("parseS3Uri", () => {
  it("splits bucket and key, keeping the key verbatim", () => {
    expect(parseS3Uri("s3://b-1/a/b c/%20.out")).toEqual({ bucket: "b-1", key: "a/b c/%20.out" });
    expect(parseS3Uri("s3://bucket")).toEqual({ bucket: "bucket", key: "" });
  });

  it("round-trips any bucket and key (property)", () => {
    fc.assert(
      fc.property(bucket, fc.string({ unit: "binary-ascii" }), (b, key) => {
        expect(parseS3Uri(formatS3Uri({ bucket: b, key }))).toEqual({ bucket: b, key });
      }),
    );
  });

  it("rejects anything that is not an s3:// URI with VALIDATION_ERROR naming the field", () => {
    for (const bad of ["https://b/k", "s3:/b/k", "s3:///k", "bucket/key", "s3://a/k"]) {
      expect(() => parseS3Uri(bad, "outputLocation")).toThrow(
        expect.objectContaining({
          code: "VALIDATION_ERROR",
          message: expect.stringContaining("outputLocation"),
        }),
      );
    }
  });

  it("never throws anything but a ValidationError (property)", () => {
    fc.assert(
      fc.property(fc.string(), (text) => {
        try {
          parseS3Uri(text);
        } catch (err) {
          expect((err as { code?: string }).code).toBe("VALIDATION_ERROR");
        }
      }),
    );
  });
});

describe("joinS3Uri", () => {
  it("puts exactly one slash between parts", () => {
    expect(joinS3Uri("s3://b/in", "2024-05-01", "id")).toBe("s3://b/in/2024-05-01/id");
    expect(joinS3Uri("s3://b/in/", "/x")).toBe("s3://b/in/x");
    expect(joinS3Uri("s3://b/", "", "k")).toBe("s3://b/k");
  });
});
