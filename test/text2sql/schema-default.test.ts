import { afterAll, describe, expect, it } from "vitest";
import { Bm25Index } from "../../src/rag/index.js";
import { FakeChatModel } from "../../src/testing/fake-chat-model.js";
import { DuckDbEngine } from "../../src/text2sql/duckdb-engine.js";
import { qualifiedName, searchTerms, tableDocument } from "../../src/text2sql/schema.js";
import { Text2Sql } from "../../src/text2sql/text2sql.js";
import type { TableSchema } from "../../src/text2sql/types.js";

const t = (database: string, name: string, columns: string[]): TableSchema => ({
  name,
  database,
  columns: columns.map((c) => ({ name: c, type: c.endsWith("_id") ? "bigint" : "varchar" })),
});

/** Two shops with the same table names: only the rest of the question tells them apart. */
const tables: TableSchema[] = [
  t("bike_shop", "customers", ["customer_id", "name", "city"]),
  t("bike_shop", "products", ["product_id", "model", "frame_size", "price"]),
  t("bike_shop", "orders", ["order_id", "customer_id", "order_date"]),
  t("bike_shop", "order_items", ["order_id", "product_id", "quantity"]),
  t("book_shop", "customers", ["customer_id", "name", "loyalty_tier"]),
  t("book_shop", "products", ["product_id", "title", "isbn", "author"]),
  t("book_shop", "orders", ["order_id", "customer_id", "placed_at"]),
  t("book_shop", "order_items", ["order_id", "product_id", "quantity"]),
  t("school", "students", ["student_id", "name", "grade"]),
  t("school", "courses", ["course_id", "title", "credits"]),
];
const question = "Which customers bought products with a given isbn?";

const engine = new DuckDbEngine({ tables: {} });
afterAll(() => engine.close());

describe("Text2Sql's default schema ranking on a catalog larger than maxTables", () => {
  it("shows the isbn table's join path in its own shop, which the old BM25 default left out", async () => {
    // A plain BM25 over whole table documents (what the retired SchemaIndex computed) fills the
    // top 4 with the bike shop's same-named tables and never reaches the book shop's bridge.
    const plain = new Bm25Index({ analyzer: searchTerms });
    plain.add(tables.map((t) => ({ id: qualifiedName(t), text: tableDocument(t) })));
    const old = plain.search(question, { k: 4 }).map((h) => h.id);
    expect(old).not.toContain("book_shop.order_items");

    const model = new FakeChatModel({ responses: ["UNANSWERABLE: no data."] });
    const t2s = new Text2Sql({ model, engine, tables, maxTables: 4 });
    await t2s.ask(question);
    const prompt = JSON.stringify(model.requests[0]);
    for (const name of ["products", "order_items", "orders"]) {
      expect(prompt).toContain(`book_shop.${name}`);
    }
  });
});
