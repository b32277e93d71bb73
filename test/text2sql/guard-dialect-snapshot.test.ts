/**
 * A third-party engine's `dialect` and `guardDialect` may be getters. The guard must decide from
 * one reading of each: a getter that answers the type check with a string and the rule choice
 * with something else (an object whose text says "duckdb", say) must not pick the rules.
 */
import { describe, expect, it } from "vitest";
import { checkReadOnly, guardDialectFor } from "../../src/text2sql/guard.js";

/** An engine whose `dialect` getter answers each read with the next value, counting reads. */
function flipping(values: unknown[]) {
  let reads = 0;
  const engine = {
    get dialect() {
      const value = values[Math.min(reads, values.length - 1)];
      reads++;
      return value as string;
    },
  };
  return { engine, reads: () => reads };
}

describe("guardDialectFor reads the engine once", () => {
  it("reads dialect once, so a later non-string answer cannot choose DuckDB's rules", () => {
    const { engine, reads } = flipping(["SQLite 3", { toString: () => "DuckDB" }]);
    expect(guardDialectFor(engine)).toBe("strict");
    expect(reads()).toBe(1);
  });

  it("reads guardDialect once", () => {
    let reads = 0;
    const engine = {
      dialect: "SQLite",
      get guardDialect() {
        reads++;
        return "duckdb" as const;
      },
    };
    expect(guardDialectFor(engine)).toBe("duckdb");
    expect(reads).toBe(1);
  });

  it("keeps the nested-comment text out under the first answer's rules", () => {
    const { engine } = flipping(["SQLite 3", { toString: () => "DuckDB" }]);
    expect(checkReadOnly("SELECT 1 /* a /* b */ c */", { engine }).ok).toBe(false);
  });
});
