import { describe, expect, it } from "vitest";
import { ColumnValueIndex } from "../../src/text2sql/value-index.js";

describe("ColumnValueIndex matching", () => {
  it("matches a value whatever its number: 'electric bike' finds 'Electric Bikes'", () => {
    const values = new ColumnValueIndex({
      columns: [
        {
          table: "bikes.categories",
          column: "category_name",
          values: ["Electric Bikes", "Road Bikes", "electric"],
        },
        { table: "menu.items", column: "course", values: ["Desserts", "Starters"] },
      ],
    });
    expect(values.match("What is the most expensive electric bike?")[0]).toMatchObject({
      table: "bikes.categories",
      column: "category_name",
      value: "Electric Bikes",
    });
    // Parts of values are looked up too, but only whole values count as indexed values.
    expect(values.size).toBe(5);
    expect(values.match("Which dessert sells best?")[0]).toMatchObject({
      table: "menu.items",
      value: "Desserts",
    });
    // Only plurals: "electricity" is not "electric".
    expect(values.match("Which meters use the most electricity?")).toEqual([]);
  });

  it("finds a multi-word value from a distinctive part of it, weighed below the whole value", () => {
    const values = new ColumnValueIndex({
      columns: [
        { table: "air.airlines", column: "name", values: ["JetBlue Airways", "Delta Air Lines"] },
        { table: "air.partners", column: "name", values: ["JetBlue"] },
      ],
    });
    const hits = values.match("How many flights does JetBlue operate?");
    expect(hits.map((h) => h.table)).toEqual(["air.partners", "air.airlines"]);
    expect(hits[1]?.value).toBe("JetBlue Airways");
    expect((hits[1]?.score ?? 0) < (hits[0]?.score ?? 0)).toBe(true);
    // A part counts only when the question writes it as a name, and never a short word ("air").
    expect(values.match("how many flights does jetblue operate?")).toEqual([
      expect.objectContaining({ table: "air.partners" }),
    ]);
    expect(values.match("Travel by Air")).toEqual([]);
  });
});
