/**
 * Catalog export is canonical: export -> import -> export gives the same bytes, whatever order
 * the catalog's history, labels and declarations were built in, so exported catalogs diff
 * cleanly in git.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { PromptCatalog } from "../../src/prompts/catalog.js";
import type { PromptDefinition } from "../../src/prompts/template.js";

function clock() {
  let t = Date.UTC(2025, 0, 1);
  return () => {
    t += 1000;
    return new Date(t);
  };
}

const idArb = fc.constantFrom("qa", "sql/generate", "summarize.v", "b-2", "A1");
const versionArb = fc.constantFrom("1", "2", "3", "1.1", "beta");
const labelArb = fc.constantFrom("production", "staging", "canary", "z_last", "a-first");
const runIdArb = fc.constantFrom("run-1", "eval/2025-01-02T00:00:00Z", "r");

/** A variable declaration whose fields come in a random order. */
const declarationArb = fc
  .record(
    {
      description: fc.constantFrom("the question", "tables"),
      default: fc.constantFrom("", "x"),
      maxLength: fc.integer({ min: 1, max: 5000 }),
      minLength: fc.integer({ min: 0, max: 1 }),
      enum: fc.constant(["x", "y"]),
    },
    { requiredKeys: [] },
  )
  .chain((decl) =>
    fc.shuffledSubarray(Object.keys(decl), { minLength: Object.keys(decl).length }).map((keys) => {
      const d = decl as Record<string, unknown>;
      return Object.fromEntries(keys.map((k) => [k, d[k]]));
    }),
  )
  .filter((d) => d.enum === undefined || d.default === undefined || d.default === "x");

function definition(id: string, version: string, decls: Record<string, unknown>[]) {
  const names = decls.map((_, i) => `v${i}`);
  return {
    id,
    version,
    text: `Version ${version}: ${names.map((n) => `{{${n}}}`).join(" ")}`,
    variables: Object.fromEntries(names.map((n, i) => [n, decls[i]])),
    modelHints: { inferenceConfig: { topP: 0.9, temperature: 0.2, maxTokens: 100 } },
  } as PromptDefinition;
}

type Op =
  | { kind: "register"; id: string; version: string; decls: Record<string, unknown>[] }
  | { kind: "label"; id: string; label: string; pick: number; runId?: string }
  | { kind: "unlabel"; id: string; label: string }
  | { kind: "rollback"; id: string; label: string };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({
    kind: fc.constant("register" as const),
    id: idArb,
    version: versionArb,
    decls: fc.array(declarationArb, { maxLength: 3 }),
  }),
  fc.record(
    {
      kind: fc.constant("label" as const),
      id: idArb,
      label: labelArb,
      pick: fc.nat(),
      runId: runIdArb,
    },
    { requiredKeys: ["kind", "id", "label", "pick"] },
  ),
  fc.record({ kind: fc.constant("unlabel" as const), id: idArb, label: labelArb }),
  fc.record({ kind: fc.constant("rollback" as const), id: idArb, label: labelArb }),
);

/** Applies the operations, skipping those the catalog refuses (unknown ids, labels...). */
function build(ops: Op[]): PromptCatalog {
  const c = new PromptCatalog({ now: clock() });
  const registered = new Map<string, string[]>();
  for (const op of ops) {
    try {
      if (op.kind === "register") {
        const versions = registered.get(op.id) ?? [];
        if (versions.includes(op.version)) continue;
        c.register(definition(op.id, op.version, op.decls));
        registered.set(op.id, [...versions, op.version]);
      } else if (op.kind === "label") {
        const versions = registered.get(op.id);
        if (!versions) continue;
        const version = versions[op.pick % versions.length] as string;
        c.setLabel(
          op.id,
          op.label,
          version,
          op.runId === undefined ? {} : { evaluationRunId: op.runId },
        );
      } else if (op.kind === "unlabel") {
        c.removeLabel(op.id, op.label);
      } else {
        c.rollback(op.id, op.label);
      }
    } catch {
      // Refused operations (no such prompt or label, nothing to roll back to) change nothing.
    }
  }
  return c;
}

/** The same JSON value with every object's keys in a random order. */
function shuffleKeys(value: unknown, random: () => number): unknown {
  if (Array.isArray(value)) return value.map((v) => shuffleKeys(v, random));
  if (value === null || typeof value !== "object") return value;
  const entries = Object.entries(value as Record<string, unknown>);
  for (let i = entries.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [entries[i], entries[j]] = [entries[j] as [string, unknown], entries[i] as [string, unknown]];
  }
  return Object.fromEntries(entries.map(([k, v]) => [k, shuffleKeys(v, random)]));
}

describe("PromptCatalog export is byte-stable", () => {
  it("property: export -> import -> export is byte-identical", () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 25 }), (ops) => {
        const first = JSON.stringify(build(ops).toJSON(), null, 2);
        const second = JSON.stringify(PromptCatalog.fromJSON(JSON.parse(first)).toJSON(), null, 2);
        expect(second).toBe(first);
      }),
      { numRuns: 200 },
    );
  });

  it("property: the key order of an imported file does not change the export", () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 25 }), fc.integer(), (ops, seed) => {
        const first = JSON.stringify(build(ops).toJSON());
        let s = seed >>> 0;
        const random = () => {
          s = (s * 1664525 + 1013904223) >>> 0;
          return s / 2 ** 32;
        };
        const shuffled = shuffleKeys(JSON.parse(first), random);
        expect(JSON.stringify(PromptCatalog.fromJSON(shuffled).toJSON())).toBe(first);
      }),
      { numRuns: 200 },
    );
  });

  it("a label move with an evaluation run id survives the round trip in place", () => {
    const c = new PromptCatalog({ now: clock() });
    c.register({ id: "qa", version: "1", text: "A {{q}}" });
    c.register({ id: "qa", version: "2", text: "B {{q}}" });
    c.setLabel("qa", "production", "1");
    c.setLabel("qa", "production", "2", { evaluationRunId: "run-7" });
    const json = JSON.stringify(c.toJSON());
    const back = PromptCatalog.fromJSON(JSON.parse(json));
    expect(JSON.stringify(back.toJSON())).toBe(json);
    expect(back.history("qa").at(-1)).toMatchObject({
      type: "label",
      version: "2",
      previous: "1",
      evaluationRunId: "run-7",
    });
    expect(back.rollback("qa", "production")).toBe("1");
  });
});
