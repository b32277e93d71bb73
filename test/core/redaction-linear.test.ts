/**
 * redact() runs on text that remote parties write (model containers' stream error messages,
 * service error bodies, HTTP responses), before it is shortened. Its name=value scan must take
 * time linear in the text: when a name was not secret, the scan used to read the whole value
 * (to the end of a text with no separators) and then resume inside it, so `a=a=a=...` or a run of
 * `http://a:b` cost time quadratic in the length (200 000 characters: 28 s and 8 s).
 */
import { describe, expect, it } from "vitest";
import { redact } from "../../src/core/errors.js";

const MB = 1_000_000;

describe("redact runs in linear time on chained name=value text", () => {
  it.each([
    ["a=a=a=...", "a=".repeat(MB / 2)],
    ["http://a:b repeated", "http://a:b".repeat(MB / 10)],
    ["x:y:z:... with spaces encoded", "x%3Dy%3D".repeat(MB / 8)],
    ['"k": "v", chained', '"k":'.repeat(MB / 4)],
  ])("%s", (_, text) => {
    const out = redact(text, 100);
    expect(out.startsWith(text.slice(0, 100))).toBe(true);
    expect(out.length).toBeLessThan(200);
  });

  it("still removes a secret after a megabyte of harmless pairs", () => {
    const text = `${"a=b&".repeat(MB / 4)}password=hunter2secret&Signature=abcdef0123456789`;
    const out = redact(text, text.length);
    expect(out).not.toContain("hunter2secret");
    expect(out).not.toContain("abcdef0123456789");
    expect(out.endsWith("password=[redacted]&Signature=[redacted]")).toBe(true);
  });

  it("still removes a secret whose value runs on into more name=value text", () => {
    expect(redact("token=abc=def=ghi", 1000)).toBe("token=[redacted]");
    expect(redact("x=token=abc123", 1000)).toBe("x=token=[redacted]");
  });
});
