/**
 * The hand-written catalogs of bench/schema-retrieval.ts (issue #21): every file parses, every
 * question's gold tables exist in its own database, the pooled catalog keeps the shape of the
 * issue's hidden benchmark, and the parser refuses a malformed file with the line to fix.
 */
import { mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { CATALOG_FILES, catalogPath, loadCatalogFile } from "../../bench/schema-retrieval.js";

const DATA = fileURLToPath(new URL("../../bench/data/", import.meta.url));

/** Every catalog file under bench/data, including any the bench does not list yet. */
const catalogFiles = readdirSync(DATA).filter((f) => /^schema-catalog.*\.txt$/.test(f));

/** Writes `text` to a fresh file and returns its path. */
function catalogFile(text: string): string {
  const path = join(mkdtempSync(join(tmpdir(), "fmops-catalog-")), "catalog.txt");
  writeFileSync(path, text);
  return path;
}

describe("bench/data schema catalogs", () => {
  it("the bench lists every catalog file there is", () => {
    expect([...catalogFiles].sort()).toEqual(Object.values(CATALOG_FILES).sort());
  });

  it.each(catalogFiles)(
    "%s parses; each question has 1 to 4 distinct gold tables of one database",
    (file) => {
      const { tables, questions } = loadCatalogFile(join(DATA, file));
      const known = new Set(tables.map((t) => `${t.database}.${t.name}`));
      expect(known.size).toBe(tables.length);
      expect(questions.length).toBeGreaterThan(0);
      for (const q of questions) {
        expect(q.gold.length, q.text).toBeGreaterThanOrEqual(1);
        expect(q.gold.length, q.text).toBeLessThanOrEqual(4);
        expect(new Set(q.gold).size, q.text).toBe(q.gold.length);
        for (const g of q.gold) expect(known.has(g), `${q.text}: ${g}`).toBe(true);
        expect(new Set(q.gold.map((g) => g.split(".")[0])).size, q.text).toBe(1);
      }
    },
  );

  it("the pooled catalog keeps the hidden benchmark's shape", () => {
    const { tables, questions } = loadCatalogFile(catalogPath("pooled"));
    const perDatabase = new Map<string, number>();
    for (const t of tables)
      perDatabase.set(t.database ?? "", (perDatabase.get(t.database ?? "") ?? 0) + 1);
    expect(perDatabase.size).toBeGreaterThanOrEqual(150);
    expect(tables.length).toBeGreaterThanOrEqual(750);
    expect(questions.length).toBeGreaterThanOrEqual(500);
    expect(Math.min(...perDatabase.values())).toBeGreaterThanOrEqual(2);
    expect(Math.max(...perDatabase.values())).toBeLessThanOrEqual(12);
    // About half the questions need one table, a third two, the rest three or four.
    const share = (test: (n: number) => boolean) =>
      questions.filter((q) => test(q.gold.length)).length / questions.length;
    expect(share((n) => n === 1)).toBeGreaterThan(0.4);
    expect(share((n) => n === 1)).toBeLessThan(0.6);
    expect(share((n) => n === 2)).toBeGreaterThan(0.25);
    expect(share((n) => n === 2)).toBeLessThan(0.45);
    expect(share((n) => n >= 3)).toBeGreaterThan(0.08);
    expect(share((n) => n >= 3)).toBeLessThan(0.25);
    // Table names repeat across databases (customer, player, country, ...), as in pooled catalogs.
    const databasesByName = new Map<string, Set<string>>();
    for (const t of tables) {
      const name = t.name.toLowerCase();
      databasesByName.set(name, (databasesByName.get(name) ?? new Set()).add(t.database ?? ""));
    }
    const repeated = [...databasesByName.values()].filter((dbs) => dbs.size > 1);
    expect(repeated.length).toBeGreaterThanOrEqual(50);
    // No question names its own database.
    for (const q of questions) {
      const db = (q.gold[0] as string).split(".")[0] as string;
      expect(q.text.toLowerCase().includes(db.replace(/_/g, " ")), q.text).toBe(false);
      expect(q.text.toLowerCase().includes(db), q.text).toBe(false);
    }
  });
});

describe("loadCatalogFile refuses a malformed catalog, naming the line", () => {
  const header =
    "# a catalog\ndb shop\ncustomers: customer_id, name, city=Oslo|Lima\norders: order_id, customer_id\n";

  it("reads tables, sampled values and questions", () => {
    const catalog = loadCatalogFile(
      catalogFile(
        `${header}? Which customers live in Oslo? | customers\n? Orders per city? | orders, customers\n`,
      ),
    );
    expect(catalog.tables.map((t) => t.name)).toEqual(["customers", "orders"]);
    expect(catalog.sampled).toEqual([
      { table: "shop.customers", column: "city", values: ["Oslo", "Lima"] },
    ]);
    expect(catalog.questions.map((q) => q.gold)).toEqual([
      ["shop.customers"],
      ["shop.orders", "shop.customers"],
    ]);
  });

  it.each([
    [
      "an unknown gold table",
      `${header}? How many invoices? | invoices\n`,
      /catalog\.txt line 5: unknown gold table shop\.invoices/,
    ],
    [
      "a gold table of another database",
      `${header}db bank\naccounts: account_id\n? How many orders? | orders\n`,
      /line 7: unknown gold table bank\.orders/,
    ],
    [
      "a gold table declared only below the question",
      `db shop\n? How many orders? | orders\norders: order_id\n`,
      /line 2: unknown gold table shop\.orders/,
    ],
    [
      "five gold tables",
      `${header}items: item_id\nstock: item_id\npay: order_id\n? All of it | customers, orders, items, stock, pay\n`,
      /line 8: more than 4 gold tables/,
    ],
    [
      "a gold table listed twice",
      `${header}? Orders? | orders, orders\n`,
      /line 5: a gold table listed twice/,
    ],
    [
      "a question without gold tables",
      `${header}? How many orders are there?\n`,
      /line 5: a question needs/,
    ],
    [
      "a question before any database",
      `? How many orders? | orders\n`,
      /line 1: a question before any database/,
    ],
    ["a table before any database", `orders: order_id\n`, /line 1: a table before any database/],
    [
      "a table declared twice",
      `${header}orders: order_id, total\n`,
      /line 5: table orders is declared twice in shop/,
    ],
    ["a database declared twice", `${header}db shop\n`, /line 5: database shop is declared twice/],
    ["a line it cannot read", `${header}orders order_id total\n`, /line 5: cannot read/],
  ])("%s", (_, text, error) => {
    expect(() => loadCatalogFile(catalogFile(text))).toThrow(error);
  });
});
