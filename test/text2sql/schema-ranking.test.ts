import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Retriever } from "../../src/rag/index.js";
import { FakeChatModel } from "../../src/testing/fake-chat-model.js";
import { DuckDbEngine } from "../../src/text2sql/duckdb-engine.js";
import { inferJoins } from "../../src/text2sql/join-graph.js";
import { estimateTokens, renderSchema } from "../../src/text2sql/schema.js";
import { SchemaRanker } from "../../src/text2sql/schema-ranking.js";
import type { TableSchema } from "../../src/text2sql/types.js";
import { ColumnValueIndex, sampleColumnValues } from "../../src/text2sql/value-index.js";

const t = (
  database: string,
  name: string,
  columns: string[],
  description?: string,
): TableSchema => ({
  name,
  database,
  ...(description ? { description } : {}),
  columns: columns.map((c) => ({ name: c, type: c.endsWith("_id") ? "bigint" : "varchar" })),
});

/** Two shops and a school: `customers` and `products` exist twice, with different columns. */
const shops: TableSchema[] = [
  t("bike_shop", "customers", ["customer_id", "name", "city"]),
  t("bike_shop", "products", ["product_id", "model", "frame_size", "price"]),
  t("bike_shop", "orders", ["order_id", "customer_id", "order_date"]),
  t("bike_shop", "order_items", ["order_id", "product_id", "quantity"]),
  t("bike_shop", "repairs", ["repair_id", "customer_id", "mechanic", "cost"]),
  t("book_shop", "customers", ["customer_id", "name", "loyalty_tier"]),
  t("book_shop", "products", ["product_id", "title", "isbn", "author"]),
  t("book_shop", "orders", ["order_id", "customer_id", "placed_at"]),
  t("book_shop", "order_items", ["order_id", "product_id", "quantity"]),
  t("school", "students", ["student_id", "name", "grade"]),
  t("school", "courses", ["course_id", "title", "credits"]),
  t("school", "enrollments", ["student_id", "course_id", "term"]),
];

const ids = (hits: { id: string }[]) => hits.map((h) => h.id);

describe("inferJoins", () => {
  it("links *_id columns to the table they name, within one database only", () => {
    const edges = inferJoins(shops);
    const pairs = edges.map((e) => `${e.from}.${e.column}->${e.to}`);
    expect(pairs).toContain("bike_shop.orders.customer_id->bike_shop.customers");
    expect(pairs).toContain("school.enrollments.course_id->school.courses");
    expect(edges.every((e) => e.from.split(".")[0] === e.to.split(".")[0])).toBe(true);
  });
  it("follows a reference declared in a column comment", () => {
    const tables: TableSchema[] = [
      t("hr", "staff", ["staff_no", "name"]),
      {
        name: "payslips",
        database: "hr",
        columns: [{ name: "emp", type: "bigint", comment: "references staff(staff_no)" }],
      },
    ];
    expect(inferJoins(tables)).toContainEqual({
      from: "hr.payslips",
      column: "emp",
      to: "hr.staff",
      toColumn: "staff_no",
      source: "declared",
    });
  });
});

describe("SchemaRanker", () => {
  it("brings the bridge table that joins the two tables a question names", () => {
    const question = "Which students take the course titled Algebra?";
    // Distractors that mention the question's words more often than the bridge does.
    const tables = [
      ...shops,
      t("school", "student_clubs", ["club_id", "student_name", "student_count", "student_fee"]),
      t("school", "course_books", ["book_id", "course_title", "course_level", "course_titles"]),
    ];
    const ranked = ids(new SchemaRanker({ tables }).rank(question, 4));
    expect(ranked.slice(0, 3)).toContain("school.enrollments");
    expect(ranked).toEqual(
      expect.arrayContaining(["school.students", "school.courses", "school.enrollments"]),
    );
    // Without join paths the bridge falls behind both distractors.
    const plain = ids(new SchemaRanker({ tables, joinExpansion: false }).rank(question, 6));
    expect(plain.indexOf("school.enrollments")).toBeGreaterThan(
      Math.max(plain.indexOf("school.student_clubs"), plain.indexOf("school.course_books")),
    );
  });

  it("completes a join path through two unnamed tables (singers -> line-ups -> concerts -> stadiums)", () => {
    const tables = [
      t("concerts", "singers", ["singer_id", "name", "country"]),
      t("concerts", "singer_in_concert", ["concert_id", "singer_id"]),
      t("concerts", "concerts", ["concert_id", "concert_name", "stadium_id", "year"]),
      t("concerts", "stadiums", ["stadium_id", "stadium_name", "capacity"]),
      // Distractors that repeat the question's words and join one end of the path only.
      t("concerts", "singer_awards", ["award_id", "singer_id", "award_name", "capacity_category"]),
      t("concerts", "stadium_tours", ["tour_id", "stadium_id", "singer_name", "tour_capacity"]),
      t("concerts", "singer_fans", ["fan_id", "singer_id", "fan_name", "stadium_capacity"]),
      t("library", "books", ["book_id", "title"]),
    ];
    const question = "Which singers performed at stadiums with a capacity over 50000?";
    const gold = [
      "concerts.singers",
      "concerts.singer_in_concert",
      "concerts.concerts",
      "concerts.stadiums",
    ];
    expect(ids(new SchemaRanker({ tables }).rank(question, 5))).toEqual(
      expect.arrayContaining(gold),
    );
    const plain = ids(new SchemaRanker({ tables, joinExpansion: false }).rank(question, 5));
    expect(gold.every((g) => plain.includes(g))).toBe(false);
  });

  it("is a rag Retriever: hits carry the rendered table and its names; a filter is refused", async () => {
    const ranker: Retriever = new SchemaRanker({ tables: shops });
    const [hit] = await ranker.retrieve("Which products have a frame size over 56?", { k: 1 });
    expect(hit).toMatchObject({
      id: "bike_shop.products",
      metadata: { table: "bike_shop.products", database: "bike_shop" },
    });
    expect(hit?.text).toContain("Table bike_shop.products");
    expect(hit?.text).toContain("frame_size");
    await expect(
      ranker.retrieve("products", { filter: { database: "bike_shop" } }),
    ).rejects.toMatchObject({ code: "VALIDATION_ERROR" });
  });

  it("tells repeated table names apart by the rest of the question and the database", () => {
    const ranker = new SchemaRanker({ tables: shops });
    expect(ids(ranker.rank("Which products have a frame size over 56?", 1))).toEqual([
      "bike_shop.products",
    ]);
    expect(ids(ranker.rank("List the customers of the bike shop", 1))).toEqual([
      "bike_shop.customers",
    ]);
    expect(ids(ranker.rank("Customers in the gold loyalty tier", 1))).toEqual([
      "book_shop.customers",
    ]);
  });

  it("groups by database: a question spread over one shop's tables keeps the other shop's twins out", () => {
    // "author" is only in book_shop.products; `customers` and `order_items` exist in both shops,
    // so only the database's combined evidence can tell the twins apart.
    const ranker = new SchemaRanker({ tables: shops });
    const top = ids(ranker.rank("customers and their products by author", 4));
    expect(top).toContain("book_shop.products");
    expect(top.every((id) => id.startsWith("book_shop."))).toBe(true);
    // Either kind of database evidence is enough here: the database's own BM25 ...
    const noGrouping = new SchemaRanker({ tables: shops, groupWeight: 0 });
    expect(
      ids(noGrouping.rank("customers and their products by author", 4)).every((id) =>
        id.startsWith("book_shop."),
      ),
    ).toBe(true);
    // ... but with neither, the bike shop's twins come in.
    const ungrouped = new SchemaRanker({ tables: shops, groupWeight: 0, databaseWeight: 0 });
    expect(ids(ungrouped.rank("customers and their products by author", 3))).toContain(
      "bike_shop.customers",
    );
  });
  it("uses synonyms and descriptions", () => {
    const tables = [
      ...shops,
      t("hr", "employees", ["employee_id", "full_name", "salary"], "Everyone on the payroll"),
    ];
    const ranker = new SchemaRanker({ tables });
    expect(ids(ranker.rank("average wage of the staff", 1))).toEqual(["hr.employees"]);
    expect(ids(ranker.rank("who is on the payroll", 1))).toEqual(["hr.employees"]);
    expect(new SchemaRanker({ tables, builtInSynonyms: false }).rank("wage of staff", 1)).toEqual(
      [],
    );
  });

  it("a value index finds the column holding a value the question names", () => {
    const values = new ColumnValueIndex({
      columns: [
        { table: "bike_shop.customers", column: "city", values: ["Paris", "Lyon", "New York"] },
        { table: "book_shop.products", column: "author", values: ["Victor Hugo"] },
      ],
    });
    const ranker = new SchemaRanker({ tables: shops, values });
    expect(values.match("Who lives in new york?")[0]).toMatchObject({
      table: "bike_shop.customers",
      column: "city",
      value: "New York",
    });
    expect(ids(ranker.rank("How many people live in Paris?", 1))).toEqual(["bike_shop.customers"]);
    expect(ids(ranker.rank("Books by Victor Hugo", 1))).toEqual(["book_shop.products"]);
    // Without the index, nothing in the question points at a table.
    expect(new SchemaRanker({ tables: shops }).rank("How many people live in Paris?", 1)).toEqual(
      [],
    );
  });

  it("the model-assisted pick reorders only shortlisted tables, in one call", async () => {
    const model = new FakeChatModel({
      responses: ["1. school.courses\n2. `drop_table.evil`\n3. school.students"],
    });
    const ranker = new SchemaRanker({ tables: shops, picker: { model, shortlist: 5 } });
    const hits = await ranker.retrieve("students and their course credits", { k: 3 });
    expect(ids(hits).slice(0, 2)).toEqual(["school.courses", "school.students"]);
    expect(ids(hits)).not.toContain("drop_table.evil");
    expect(model.requests).toHaveLength(1);
  });

  it("refuses an unknown option", () => {
    expect(() => new SchemaRanker({ tables: shops, joinExpansions: true } as never)).toThrow(
      /joinExpansion/,
    );
  });
});

describe("sampleColumnValues through a real DuckDB engine", () => {
  const engine = new DuckDbEngine({ database: "main" });
  beforeAll(async () => {
    await engine.executeTrusted("CREATE SCHEMA travel");
    await engine.executeTrusted(
      "CREATE TABLE travel.airports (airport_id INTEGER, airport_name VARCHAR, city VARCHAR)",
    );
    await engine.executeTrusted(
      "INSERT INTO travel.airports VALUES (1, 'Charles de Gaulle', 'Paris'), (2, 'Heathrow', 'London'), (3, 'Orly', 'Paris')",
    );
    await engine.executeTrusted(
      "CREATE TABLE travel.flights (flight_id INTEGER, airport_id INTEGER)",
    );
  });
  afterAll(() => engine.close());

  it("reads distinct text values within the budget and finds `city` from 'Paris'", async () => {
    const tables = [
      t("travel", "airports", ["airport_id", "airport_name", "city"]),
      t("travel", "flights", ["flight_id", "airport_id"]),
    ];
    const sampled = await sampleColumnValues(engine, tables, { valuesPerColumn: 10 });
    expect(sampled.failures).toEqual([]);
    const city = sampled.columns.find((c) => c.column === "city");
    expect(city?.values.sort()).toEqual(["London", "Paris"]);
    expect(sampled.index.match("flights leaving Paris")[0]).toMatchObject({
      table: "travel.airports",
      column: "city",
    });
    const limited = await sampleColumnValues(engine, tables, { maxColumns: 1 });
    expect(limited.columns).toHaveLength(1);
    expect(limited.skipped).toBe(1);
  });
});

describe("selection stays within the token budget", () => {
  it("for any catalog, question and budget (property)", () => {
    const word = fc.constantFrom("customer", "order", "city", "price", "name", "student", "x");
    const tableArb = fc.record({
      name: fc.array(word, { minLength: 1, maxLength: 3 }).map((w) => w.join("_")),
      database: fc.constantFrom("a", "b", "c"),
      columns: fc.array(
        fc.record({ name: word.map((w) => `${w}_id`), type: fc.constant("varchar") }),
        { minLength: 1, maxLength: 40 },
      ),
    });
    fc.assert(
      fc.property(
        fc.array(tableArb, { minLength: 1, maxLength: 30 }),
        fc.array(word, { maxLength: 6 }),
        fc.integer({ min: 1, max: 3000 }),
        (tables, q, budget) => {
          const question = q.join(" ");
          const ranked = new SchemaRanker({ tables })
            .rank(question, 8)
            .map((h) => tables.find((x) => `${x.database}.${x.name}` === h.id) as TableSchema);
          const rendered = renderSchema(ranked, { question, tokenBudget: budget });
          expect(rendered.tokens).toBeLessThanOrEqual(budget);
          expect(estimateTokens(rendered.text)).toBe(rendered.tokens);
        },
      ),
      { numRuns: 150 },
    );
  });
});

describe("bench/schema-retrieval at a small size", () => {
  it("reports recall@k for each ranking, and the new ranking beats the baseline", async () => {
    const { runSchemaRetrievalBench } = await import("../../bench/schema-retrieval.js");
    const report = await runSchemaRetrievalBench({
      databases: 12,
      questionsPerDatabase: 6,
      seed: 7,
    });
    expect(report.tables).toBeGreaterThan(60);
    expect(report.questions).toBe(72);
    for (const r of Object.values(report.rankings)) {
      expect(r.recall[1]).toBeLessThanOrEqual(r.recall[5]);
      expect(r.recall[5]).toBeLessThanOrEqual(r.recall[10]);
      expect(r.tokensAt5).toBeGreaterThan(0);
    }
    expect(report.rankings.ranker.recall[5]).toBeGreaterThan(report.rankings.baseline.recall[5]);
    // The hand-written catalog: at least 500 tables and 300 questions, each gold table known.
    expect(report.handwritten?.tables).toBeGreaterThanOrEqual(500);
    expect(report.handwritten?.questions).toBeGreaterThanOrEqual(300);
    expect(report.handwritten?.rankings.ranker.recall[5]).toBeGreaterThan(
      report.handwritten?.rankings.baseline.recall[5] ?? 1,
    );
  });
});
