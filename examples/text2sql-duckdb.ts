/**
 * Text-to-SQL over local files: the sample shop dataset in examples/data (customers.csv,
 * products.csv, orders.parquet, order_items.jsonl) on embedded DuckDB.
 *
 *   node --import tsx examples/text2sql-duckdb.ts                       # scripted model, no AWS needed
 *   FMOPS_BEDROCK_MODEL=anthropic.claude-3-haiku-20240307-v1:0 AWS_REGION=us-east-1 \
 *     node --import tsx examples/text2sql-duckdb.ts "Which country brought the most revenue in 2024?"
 *
 * Without FMOPS_BEDROCK_MODEL a scripted model stands in for the LLM. Its first answer uses a
 * column that does not exist, so you can watch the loop: DuckDB rejects it with Athena's error
 * text (`COLUMN_NOT_FOUND: line ...`), the error and the failed SQL go back to the model, and the
 * corrected query runs. A second question shows the guard refusing a DROP.
 */
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { ChatModel } from "../src/models/index.js";
import { BedrockChatModel } from "../src/models/index.js";
import { FakeChatModel } from "../src/testing/index.js";
import {
  DuckDbCatalog,
  DuckDbEngine,
  type SqlValue,
  Text2Sql,
  type Text2SqlResult,
  tablesFromPaths,
} from "../src/text2sql/index.js";

const data = join(dirname(fileURLToPath(import.meta.url)), "data");
const question =
  process.argv.slice(2).join(" ") ||
  "Which three countries brought the most revenue from delivered orders?";

const SCRIPT = [
  // Attempt 1: a plausible guess at a column name that is not in the schema.
  "```sql\nSELECT c.country, sum(i.quantity * i.price) AS revenue\nFROM shop.orders o\nJOIN shop.customers c ON c.customer_id = o.customer_id\nJOIN shop.order_items i ON i.order_id = o.order_id\nWHERE o.status = 'delivered'\nGROUP BY c.country\nORDER BY revenue DESC\nLIMIT 3\n```",
  // Attempt 2: corrected after reading the engine's error.
  "The column is unit_price.\n```sql\nSELECT c.country, round(sum(i.quantity * i.unit_price), 2) AS revenue\nFROM shop.orders o\nJOIN shop.customers c ON c.customer_id = o.customer_id\nJOIN shop.order_items i ON i.order_id = o.order_id\nWHERE o.status = 'delivered'\nGROUP BY c.country\nORDER BY revenue DESC\nLIMIT 3\n```",
  // Second question: a model talked into a destructive statement; the guard refuses it.
  "```sql\nDROP TABLE shop.orders\n```",
  "UNANSWERABLE Deleting data is not something a read-only query can do.",
];

const modelId = process.env.FMOPS_BEDROCK_MODEL;
const model: ChatModel = modelId
  ? new BedrockChatModel({ modelId })
  : new FakeChatModel({ responses: SCRIPT, id: "scripted" });

const engine = new DuckDbEngine({
  tables: tablesFromPaths([data]),
  database: "shop",
  tableComments: {
    orders: "One row per order; order_date is the day it was placed",
    order_items: "Order lines; unit_price is the price paid per unit after any discount",
  },
  columnComments: { orders: { status: "delivered, shipped, cancelled, returned or pending" } },
});
const t2s = new Text2Sql({ model, engine, catalog: new DuckDbCatalog({ engine }), rowLimit: 50 });

const cell = (v: SqlValue) =>
  typeof v === "bigint" ? v.toString() : v instanceof Date ? v.toISOString() : JSON.stringify(v);

function show(result: Text2SqlResult): void {
  for (const a of result.attempts) {
    console.log(
      `  attempt ${a.number} (${a.kind}, temperature ${a.temperature.toFixed(1)}): ${a.outcome}${a.error ? ` -- ${a.error.message}` : ""}`,
    );
  }
  console.log(`status: ${result.status}${result.reason ? ` (${result.reason})` : ""}`);
  if (result.sql) console.log(`sql:\n${result.sql}`);
  for (const row of result.result?.rows ?? []) {
    console.log(
      `  ${Object.entries(row)
        .map(([k, v]) => `${k}=${cell(v)}`)
        .join("  ")}`,
    );
  }
  console.log(
    `tables shown: ${result.tables.join(", ")} (~${result.schemaTokens} tokens); model ${Math.round(result.timings.modelMs)} ms, engine ${Math.round(result.timings.engineMs)} ms\n`,
  );
}

try {
  console.log(`Q: ${question}`);
  show(await t2s.ask(question));
  if (!modelId) {
    console.log("Q: Please drop the orders table.");
    show(await t2s.ask("Please drop the orders table."));
  }
} finally {
  await engine.close();
}
