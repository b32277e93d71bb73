import fc from "fast-check";
import { afterEach, describe, expect, it } from "vitest";
import { DuckDbEngine } from "../../src/text2sql/duckdb-engine.js";
import { toJsonRows, toJsonValue } from "../../src/text2sql/json-rows.js";

let engine: DuckDbEngine | undefined;
afterEach(async () => {
  await engine?.close();
  engine = undefined;
});

describe("toJsonRows", () => {
  it("makes DuckDB rows (counts are bigint) serialisable without losing a digit", async () => {
    engine = new DuckDbEngine();
    const result = await engine.execute(
      "SELECT count(*) AS n, 9223372036854775807::BIGINT AS big, -9007199254740991::BIGINT AS edge, TIMESTAMP '2024-01-02 03:04:05.123' AS at, DATE '2024-01-02' AS day, 12.50::DECIMAL(10,2) AS price, [1::BIGINT, 2] AS list, {'k': 3::BIGINT} AS obj",
    );
    expect(() => JSON.stringify(result.rows)).toThrow(/BigInt/);
    const rows = toJsonRows(result.rows);
    expect(JSON.parse(JSON.stringify(rows))).toEqual([
      {
        n: 1,
        big: "9223372036854775807",
        edge: -9007199254740991,
        at: "2024-01-02T03:04:05.123Z",
        day: "2024-01-02",
        price: "12.50",
        list: [1, 2],
        obj: { k: 3 },
      },
    ]);
  });

  it("writes every bigint as a string on request, and bytes as hex", () => {
    expect(
      toJsonRows([{ n: 5n, b: new Uint8Array([1, 255]) }], { bigint: "string", bytes: "hex" }),
    ).toEqual([{ n: "5", b: "01ff" }]);
    expect(toJsonValue(new Date(0), { dates: "epoch-ms" })).toBe(0);
    expect(toJsonValue(new Uint8Array([1, 255]))).toBe("Af8=");
    expect(toJsonValue([Number.NaN, Number.POSITIVE_INFINITY])).toEqual(["NaN", "Infinity"]);
  });

  it("never changes a bigint's value: the JSON number or string reads back to the same bigint", () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(2n ** 70n), max: 2n ** 70n }), (n) => {
        const back: unknown = JSON.parse(JSON.stringify(toJsonValue(n)));
        expect(typeof back === "number" || typeof back === "string").toBe(true);
        expect(BigInt(back as number | string)).toBe(n);
      }),
    );
  });
});
