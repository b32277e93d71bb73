import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { RetrievedChunk } from "../../src/rag/index.js";
import { FakeChatModel } from "../../src/testing/fake-chat-model.js";
import { estimateTokens, renderSchema, searchTerms } from "../../src/text2sql/schema.js";
import { SchemaRanker } from "../../src/text2sql/schema-ranking.js";
import { Text2Sql } from "../../src/text2sql/text2sql.js";
import type { SqlEngine, TableSchema } from "../../src/text2sql/types.js";

const table = (name: string, columns: string[], description?: string): TableSchema => ({
  name,
  database: "db",
  ...(description ? { description } : {}),
  columns: columns.map((c) => ({ name: c, type: "varchar" })),
});

/** A wide catalog: `n` tables of `width` columns, plus a few meaningful ones. */
function bigCatalog(n: number, width: number): TableSchema[] {
  const filler = Array.from({ length: n }, (_, i) =>
    table(
      `events_${i}`,
      Array.from({ length: width }, (_, j) => `metric_${i}_${j}`),
      `Raw telemetry batch ${i}`,
    ),
  );
  return [
    ...filler,
    table(
      "invoices",
      ["invoice_id", "customer_id", "amount_due", "due_date"],
      "Invoices sent to customers",
    ),
    table(
      "employees",
      ["employee_id", "full_name", "salary", "department"],
      "Staff records and pay",
    ),
  ];
}

describe("schema search terms and ranking", () => {
  it("ranks the table a question is about first, across 2,000 tables", () => {
    const ranker = new SchemaRanker({ tables: bigCatalog(2000, 5) });
    expect(ranker.rank("What is the average salary per department?", 3)[0]?.id).toBe(
      "db.employees",
    );
    expect(ranker.rank("Which invoices are overdue (due date passed)?", 3)[0]?.id).toBe(
      "db.invoices",
    );
  });
  it("splits snake_case, camelCase and digits, and stems with rag's Porter stemmer", () => {
    expect(searchTerms("orderItems customer_ids Categories HTTPServer item2price")).toEqual([
      "order",
      "item",
      "custom",
      "id",
      "categori",
      "http",
      "server",
      "item",
      "price",
    ]);
    // The question's words meet the identifiers' words.
    expect(searchTerms("Which customers ordered categories?")).toEqual([
      "custom",
      "order",
      "categori",
    ]);
  });
});

describe("renderSchema", () => {
  it("never exceeds the token budget, however wide or many the tables", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 40 }),
        fc.integer({ min: 1, max: 400 }),
        fc.integer({ min: 50, max: 3000 }),
        (n, width, budget) => {
          const tables = bigCatalog(n, width);
          const rendered = renderSchema(tables, {
            tokenBudget: budget,
            question: "metric_0_3 salary",
          });
          expect(rendered.tokens).toBeLessThanOrEqual(budget);
          expect(estimateTokens(rendered.text)).toBe(rendered.tokens);
          expect(rendered.tables.length).toBeGreaterThan(0);
        },
      ),
      { numRuns: 60 },
    );
  });
  it("keeps the columns the question names when it must shorten a table", () => {
    const wide = table(
      "wide",
      Array.from({ length: 300 }, (_, i) => `col_${i}`).concat(["lifetime_value"]),
    );
    const rendered = renderSchema([wide], {
      tokenBudget: 120,
      question: "top customers by lifetime value",
    });
    expect(rendered.truncated).toBe(true);
    expect(rendered.text).toContain("lifetime_value varchar");
    expect(rendered.text).toMatch(/more columns not shown/);
  });
  it("shows descriptions, comments and partition keys", () => {
    const text = renderSchema(
      [
        {
          name: "logs",
          database: "web",
          description: "Access logs",
          columns: [{ name: "url", type: "string", comment: "path only" }],
          partitionKeys: [{ name: "dt", type: "string" }],
        },
      ],
      { tokenBudget: 500 },
    ).text;
    expect(text).toBe(
      "Table web.logs -- Access logs\n  url string -- path only\n  dt string (partition key)",
    );
  });
});

describe("Text2Sql schema selection", () => {
  const engine: SqlEngine = {
    dialect: "Trino",
    validate: async () => ({ ok: true }),
    execute: async () => ({
      columns: [],
      rows: [],
      stats: { elapsedMs: 0, rowCount: 0, truncated: false },
    }),
  };

  it("shows the model only the relevant tables of a 1,000-table catalog, within budget", async () => {
    const model = new FakeChatModel({
      responses: ["```sql\nSELECT avg(salary) FROM db.employees\n```"],
    });
    const t2s = new Text2Sql({
      model,
      engine,
      tables: bigCatalog(1000, 50),
      schemaTokenBudget: 800,
      maxTables: 5,
    });
    const answer = await t2s.generate("average salary of employees");
    expect(answer.status).toBe("ok");
    expect(answer.tables[0]).toBe("db.employees");
    expect(answer.schemaTokens).toBeLessThanOrEqual(800);
    const prompt = model.requests[0]?.messages[0]?.content ?? "";
    expect(prompt).toContain("salary varchar");
    expect(prompt).not.toContain("events_999");
  });

  it("uses a supplied retriever, indexing the tables into it once", async () => {
    const added: string[] = [];
    const queries: string[] = [];
    const retriever = {
      add(docs: { id: string; text: string }[]) {
        added.push(...docs.map((d) => d.id));
      },
      async retrieve(query: string): Promise<RetrievedChunk[]> {
        queries.push(query);
        return [{ id: "chunk-1", text: "", score: 1, metadata: { table: "db.invoices" } }];
      },
    };
    const model = new FakeChatModel({ responses: () => "```sql\nSELECT 1\n```" });
    const t2s = new Text2Sql({ model, engine, tables: bigCatalog(20, 3), retriever });
    await t2s.generate("first question");
    const second = await t2s.generate("second question");
    expect(added).toHaveLength(22);
    expect(queries).toEqual(["first question", "second question"]);
    expect(second.tables).toEqual(["db.invoices"]);
  });
});
