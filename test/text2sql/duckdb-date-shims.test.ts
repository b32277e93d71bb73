/**
 * The DuckDB shims of Trino's date functions, checked against the results Trino documents
 * (https://trino.io/docs/current/functions/datetime.html): date_parse and date_format with
 * MySQL-style specifiers, and from_iso8601_timestamp.
 */
import { afterAll, describe, expect, it } from "vitest";
import { DuckDbEngine } from "../../src/text2sql/duckdb-engine.js";

const engine = new DuckDbEngine({});
afterAll(() => engine.close());

async function value(sql: string): Promise<unknown> {
  const result = await engine.execute(`SELECT ${sql} AS v`);
  return result.rows[0]?.v;
}

const iso = (v: unknown) => (v instanceof Date ? v.toISOString() : v);

describe("Trino date shims on DuckDB", () => {
  it("date_parse reads MySQL-style formats into a timestamp", async () => {
    // Trino: date_parse('2022/10/20/05', '%Y/%m/%d/%H') -> 2022-10-20 05:00:00.000
    expect(iso(await value("date_parse('2022/10/20/05', '%Y/%m/%d/%H')"))).toBe(
      "2022-10-20T05:00:00.000Z",
    );
    expect(iso(await value("date_parse('2024-05-06 07:08:09', '%Y-%m-%d %H:%i:%s')"))).toBe(
      "2024-05-06T07:08:09.000Z",
    );
    // %M is the month name and %e the day without padding; %r a 12-hour time.
    expect(iso(await value("date_parse('May 6 2024', '%M %e %Y')"))).toBe(
      "2024-05-06T00:00:00.000Z",
    );
    expect(iso(await value("date_parse('06/05/2024 07:08:09 PM', '%d/%m/%Y %r')"))).toBe(
      "2024-05-06T19:08:09.000Z",
    );
    expect(iso(await value("date_parse('2024-05-06 07:08:09.123', '%Y-%m-%d %H:%i:%s.%f')"))).toBe(
      "2024-05-06T07:08:09.123Z",
    );
    // Fields the format lacks take Trino's defaults: 1970-01-01.
    expect(iso(await value("date_parse('10:30', '%H:%i')"))).toBe("1970-01-01T10:30:00.000Z");
    const result = await engine.execute("SELECT date_parse('2022/10/20', '%Y/%m/%d') AS v");
    expect(result.columns[0]?.type).toBe("timestamp");
  });

  it("date_format prints MySQL-style formats without mixing up %M and %i", async () => {
    // Trino: date_format(TIMESTAMP '2022-10-20 05:10:00', '%m-%d-%Y %H') -> '10-20-2022 05'
    expect(await value("date_format(TIMESTAMP '2022-10-20 05:10:00', '%m-%d-%Y %H')")).toBe(
      "10-20-2022 05",
    );
    expect(
      await value("date_format(TIMESTAMP '2024-05-06 07:08:09', '%M %e, %Y %T (%i min)')"),
    ).toBe("May 6, 2024 07:08:09 (08 min)");
  });

  it("from_iso8601_timestamp keeps the offset's instant", async () => {
    // Trino: from_iso8601_timestamp('2020-05-11T11:15:05.055+01:00') -> 2020-05-11 11:15:05.055 +01:00
    expect(iso(await value("from_iso8601_timestamp('2020-05-11T11:15:05.055+01:00')"))).toBe(
      "2020-05-11T10:15:05.055Z",
    );
  });
});
