import { describe, expect, it } from "vitest";
import { CachedPromptSource, catalogSource, type PromptSource } from "../../src/prompts/cache.js";
import { PromptCatalog } from "../../src/prompts/catalog.js";
import { formatDiff } from "../../src/prompts/diff.js";
import { PromptImmutableError, PromptNotFoundError } from "../../src/prompts/errors.js";
import type { PromptDefinition } from "../../src/prompts/template.js";

function clock() {
  let t = Date.UTC(2025, 0, 1);
  return () => {
    t += 1000;
    return new Date(t);
  };
}

const v = (version: string, text: string): PromptDefinition => ({ id: "greet", version, text });

function catalog3() {
  const c = new PromptCatalog({ now: clock() });
  c.register(v("1", "Hello {{name}}"), { labels: ["production"] });
  c.register(v("2", "Hi {{name}}!"));
  c.register(v("3", "Hey {{name}}, welcome."));
  return c;
}

function code(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    return (err as { code: string }).code;
  }
  return "no error";
}

describe("PromptCatalog", () => {
  it("gets by version, by label, by default label, and latest", () => {
    const c = catalog3();
    expect(c.get("greet", { version: "2" }).text).toBe("Hi {{name}}!");
    expect(c.get("greet").version).toBe("1"); // production
    expect(c.get("greet", { label: "latest" }).version).toBe("3");
    c.removeLabel("greet", "production");
    expect(c.get("greet").version).toBe("3"); // no production: newest
    expect(c.render("greet", { name: "Ada" }, { version: "1" }).messages[0]?.content).toBe(
      "Hello Ada",
    );
  });

  it("throws distinct codes for unknown id, version and label", () => {
    const c = catalog3();
    expect(code(() => c.get("nope"))).toBe("PROMPT_NOT_FOUND");
    expect(code(() => c.get("greet", { version: "9" }))).toBe("PROMPT_VERSION_NOT_FOUND");
    expect(code(() => c.get("greet", { label: "staging" }))).toBe("PROMPT_LABEL_NOT_FOUND");
    expect(code(() => c.setLabel("greet", "staging", "9"))).toBe("PROMPT_VERSION_NOT_FOUND");
    expect(code(() => c.setLabel("greet", "latest", "1"))).toBe("VALIDATION_ERROR");
    expect(code(() => c.get("greet", { version: "1", label: "production" }))).toBe(
      "VALIDATION_ERROR",
    );
    expect(() => c.get("nope")).toThrow(/Known prompts: greet/);
  });

  it("moves labels and rolls back step by step", () => {
    const c = catalog3();
    c.setLabel("greet", "production", "2");
    c.setLabel("greet", "production", "3");
    expect(c.get("greet").version).toBe("3");
    expect(c.rollback("greet", "production")).toBe("2");
    expect(c.rollback("greet", "production")).toBe("1");
    expect(c.get("greet").version).toBe("1");
    expect(code(() => c.rollback("greet", "production"))).toBe("PROMPT_ROLLBACK_UNAVAILABLE");
    expect(c.versions("greet").map((x) => [x.version, x.labels])).toEqual([
      ["1", ["production"]],
      ["2", []],
      ["3", []],
    ]);
    const moves = c.history("greet").filter((e) => e.type === "label");
    expect(
      moves.map((e) =>
        e.type === "label" ? `${e.previous ?? "-"}>${e.version}${e.rollback ? "R" : ""}` : "",
      ),
    ).toEqual(["->1", "1>2", "2>3", "3>2R", "2>1R"]);
  });

  it("keeps versions immutable: same body is a no-op, a changed body fails", () => {
    const c = catalog3();
    const again = c.register(v("2", "Hi {{name}}!"));
    expect(again).toBe(c.get("greet", { version: "2" }));
    let err: unknown;
    try {
      c.register(v("2", "Hi {{name}}!!"));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(PromptImmutableError);
    expect((err as PromptImmutableError).code).toBe("PROMPT_VERSION_IMMUTABLE");
    expect((err as Error).message).toContain('"greet" version "2"');
    expect(c.get("greet", { version: "2" }).text).toBe("Hi {{name}}!");
    expect(c.history("greet").filter((e) => e.type === "register")).toHaveLength(3);
  });

  it("lists prompts sorted by id and diffs versions", () => {
    const c = catalog3();
    c.register({ id: "alpha", version: "1", description: "first", text: "a", tags: ["x"] });
    expect(c.list().map((s) => [s.id, s.latest, s.versions.length])).toEqual([
      ["alpha", "1", 1],
      ["greet", "3", 3],
    ]);
    const d = c.diff("greet", "1", "2");
    expect(d.identical).toBe(false);
    expect(d.changes).toEqual([
      {
        field: "text",
        kind: "changed",
        before: "Hello {{name}}",
        after: "Hi {{name}}!",
        lines: [
          { op: "-", text: "Hello {{name}}" },
          { op: "+", text: "Hi {{name}}!" },
        ],
      },
    ]);
    expect(formatDiff(d)).toContain("-Hello {{name}}\n+Hi {{name}}!");
    expect(c.diff("greet", "2", "2").changes).toEqual([]);
  });

  it("exports and imports JSON, keeping labels and rollback history", () => {
    const c = catalog3();
    c.setLabel("greet", "production", "3");
    const json = JSON.parse(JSON.stringify(c.toJSON()));
    const copy = PromptCatalog.fromJSON(json);
    expect(copy.toJSON()).toEqual(c.toJSON());
    expect(copy.rollback("greet", "production")).toBe("1");
    // An edited export is caught by its hash.
    json.prompts[0].versions[0].definition.text = "tampered {{name}}";
    expect(code(() => PromptCatalog.fromJSON(json))).toBe("PROMPT_FILE_ERROR");
    expect(code(() => PromptCatalog.fromJSON({ format: "other" }))).toBe("PROMPT_FILE_ERROR");
    // Importing a conflicting version into an existing catalog fails and changes nothing.
    const other = new PromptCatalog();
    other.register(v("1", "Different {{name}}"));
    expect(code(() => other.import(c.toJSON()))).toBe("PROMPT_VERSION_IMMUTABLE");
    expect(other.versions("greet")).toHaveLength(1);
  });
});

describe("CachedPromptSource", () => {
  function flaky(c: PromptCatalog) {
    let fail = false;
    let calls = 0;
    const source: PromptSource = {
      fetch: async (id, selector) => {
        calls++;
        if (fail) throw new Error("store down");
        return c.get(id, selector);
      },
    };
    return { source, setFail: (f: boolean) => (fail = f), calls: () => calls };
  }

  it("serves from cache within the TTL, refreshes after it, and falls back to stale", async () => {
    let now = 0;
    const remote = catalog3();
    const f = flaky(remote);
    const events: string[] = [];
    const cache = new CachedPromptSource({
      source: f.source,
      ttlMs: 100,
      now: () => now,
      onFallback: (e) => events.push(e.origin),
    });
    expect((await cache.fetch("greet")).version).toBe("1");
    expect(cache.lastOrigin).toBe("source");
    now = 50;
    await cache.fetch("greet");
    expect(cache.lastOrigin).toBe("cache");
    expect(f.calls()).toBe(1);
    remote.setLabel("greet", "production", "2");
    now = 150;
    expect((await cache.fetch("greet")).version).toBe("2");
    f.setFail(true);
    now = 300;
    expect((await cache.fetch("greet")).version).toBe("2");
    expect(cache.lastOrigin).toBe("stale");
    expect(events).toEqual(["stale"]);
  });

  it("uses the fallback catalog when nothing is cached, else rethrows", async () => {
    const f = flaky(catalog3());
    f.setFail(true);
    const fallback = new PromptCatalog();
    fallback.register({ id: "greet", version: "0", text: "Fallback {{name}}" });
    const cache = new CachedPromptSource({ source: f.source, fallback });
    expect((await cache.fetch("greet", { label: "production" })).version).toBe("0");
    expect(cache.lastOrigin).toBe("fallback");
    await expect(cache.fetch("other")).rejects.toMatchObject({ code: "PROMPT_SOURCE_ERROR" });
    const plain = new CachedPromptSource({ source: catalogSource(catalog3()) });
    await expect(plain.fetch("nope")).rejects.toBeInstanceOf(PromptNotFoundError);
  });

  it("ends a hanging fetch at its deadline", async () => {
    const cache = new CachedPromptSource({
      source: {
        fetch: (_id, _s, o) =>
          new Promise((_r, reject) =>
            o?.signal?.addEventListener("abort", () => reject(new Error("aborted"))),
          ),
      },
      timeoutMs: 20,
    });
    await expect(cache.fetch("x")).rejects.toMatchObject({ code: "TIMEOUT" });
  });
});
