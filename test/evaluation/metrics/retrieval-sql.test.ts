import { describe, expect, it } from "vitest";
import { isFmopsError } from "../../../src/core/errors.js";
import {
  queryOrders,
  retrievalScores,
  sqlExecutionMatch,
} from "../../../src/evaluation/metrics/index.js";

describe("retrievalScores", () => {
  it("computes recall, precision, reciprocal rank and nDCG at k by hand", () => {
    const s = retrievalScores(["d3", "d1", "d7"], ["d1", "d2"], { k: 3 });
    expect(s.recallAtK).toBe(0.5);
    expect(s.precisionAtK).toBe(1 / 3);
    expect(s.reciprocalRank).toBe(0.5);
    expect(s.ndcgAtK).toBeCloseTo(1 / Math.log2(3) / (1 + 1 / Math.log2(3)), 15);
  });

  it("uses graded relevance for nDCG and ignores documents past k and duplicates", () => {
    const s = retrievalScores(["b", "b", "a", "c"], { a: 3, b: 1, z: 0 }, { k: 3 });
    // DCG = 1/log2(2) + 3/log2(4); ideal = 3/log2(2) + 1/log2(3).
    expect(s.ndcgAtK).toBeCloseTo((1 + 3 / 2) / (3 + 1 / Math.log2(3)), 15);
    expect(s.recallAtK).toBe(1); // z has relevance 0: not relevant
    expect(s.reciprocalRank).toBe(1);
  });

  it("is 0 everywhere with nothing relevant or nothing retrieved", () => {
    expect(retrievalScores([], ["a"])).toEqual({
      recallAtK: 0,
      precisionAtK: 0,
      reciprocalRank: 0,
      ndcgAtK: 0,
    });
    expect(retrievalScores(["a"], [])).toEqual({
      recallAtK: 0,
      precisionAtK: 0,
      reciprocalRank: 0,
      ndcgAtK: 0,
    });
  });

  it("rejects a k that is not a positive integer", () => {
    try {
      retrievalScores(["a"], ["a"], { k: 0 });
      expect.unreachable();
    } catch (err) {
      expect(isFmopsError(err) && err.code).toBe("VALIDATION_ERROR");
    }
  });
});

describe("queryOrders", () => {
  it("finds a top-level ORDER BY only", () => {
    expect(queryOrders("SELECT a FROM t ORDER BY a")).toBe(true);
    expect(queryOrders("select a from t\norder\tby a desc limit 3")).toBe(true);
    expect(queryOrders("SELECT * FROM (SELECT a FROM t ORDER BY a) s")).toBe(false);
    expect(queryOrders("SELECT row_number() OVER (ORDER BY a) FROM t")).toBe(false);
    expect(queryOrders("SELECT 'order by' AS x FROM t -- order by x")).toBe(false);
  });
});

describe("sqlExecutionMatch", () => {
  it("compares rows as a multiset with numeric tolerance", () => {
    expect(
      sqlExecutionMatch(
        [
          [1, "a"],
          [2, "b"],
        ],
        [
          [2, "b"],
          [1.0000000001, "a"],
        ],
      ),
    ).toBe(1);
    expect(
      sqlExecutionMatch(
        [
          [1, "a"],
          [1, "a"],
        ],
        [
          [1, "a"],
          [2, "a"],
        ],
      ),
    ).toBe(0);
    expect(sqlExecutionMatch([["10"]], [[10n]])).toBe(1);
    expect(sqlExecutionMatch([[1.5]], [[1.6]])).toBe(0);
    expect(sqlExecutionMatch([[null]], [["null"]])).toBe(0);
  });

  it("respects order when the reference query orders", () => {
    const sql = "SELECT x FROM t ORDER BY x";
    expect(sqlExecutionMatch([[1], [2]], [[2], [1]], { referenceSql: sql })).toBe(0);
    expect(sqlExecutionMatch([[1], [2]], [[1], [2]], { referenceSql: sql })).toBe(1);
    expect(sqlExecutionMatch([[1], [2]], [[2], [1]], { ordered: true })).toBe(0);
  });

  it("accepts object rows (values in column order) and needs equal shapes", () => {
    expect(sqlExecutionMatch([{ a: 1, b: "x" }], [[1, "x"]])).toBe(1);
    expect(sqlExecutionMatch([[1, 2]], [[1]])).toBe(0);
    expect(sqlExecutionMatch([[1]], [])).toBe(0);
    expect(sqlExecutionMatch([], [])).toBe(1);
  });
});
