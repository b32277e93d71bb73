import { describe, expect, it } from "vitest";
import { COLORS, esc } from "../../src/core/html.js";

// The HTML helpers every report shares (load tests in monitoring, evaluation reports): one
// escaping rule and one palette, in core so that neither module borrows the other's internals.
describe("esc", () => {
  it("escapes the five characters that matter in text and quoted attributes", () => {
    expect(esc(`<a href="x" title='y'>Tom & Jerry</a>`)).toBe(
      "&#60;a href=&#34;x&#34; title=&#39;y&#39;&#62;Tom &#38; Jerry&#60;/a&#62;",
    );
  });

  it("leaves other text, non-ASCII included, as it is", () => {
    expect(esc("naïve 東京 – 42%")).toBe("naïve 東京 – 42%");
  });

  it("escapes an already escaped entity again, so the reader sees it literally", () => {
    expect(esc("&amp;")).toBe("&#38;amp;");
  });
});

describe("COLORS", () => {
  it("is a palette of distinct six-digit hex colours", () => {
    expect(COLORS.length).toBeGreaterThanOrEqual(8);
    for (const c of COLORS) expect(c).toMatch(/^#[0-9a-f]{6}$/);
    expect(new Set(COLORS).size).toBe(COLORS.length);
  });

  it("starts with the series colours the reports' tests pin", () => {
    expect(COLORS.slice(0, 2)).toEqual(["#1f77b4", "#ff7f0e"]);
  });
});
