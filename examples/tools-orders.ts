/**
 * A tool-using assistant that looks up orders: `runTools` gives the model one tool,
 * `lookup_orders`, which answers a question in plain words with `Text2Sql` over the sample shop
 * dataset in examples/data on embedded DuckDB.
 *
 *   node --import tsx examples/tools-orders.ts                          # scripted model, no AWS needed
 *   FMOPS_BEDROCK_MODEL=us.anthropic.claude-3-5-haiku-20241022-v1:0 AWS_REGION=us-east-1 \
 *     node --import tsx examples/tools-orders.ts "Which country had the most cancelled orders?"
 *
 * Without FMOPS_BEDROCK_MODEL scripted models stand in: the assistant's first turn calls the
 * tool, Text2Sql's model writes the SQL, and the assistant's second turn writes its answer from
 * the rows the tool sent back. With a Bedrock model the same model plays both parts.
 */
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { z } from "zod";
import type { ChatModel, RunnableTool, ToolStep } from "../src/models/index.js";
import { BedrockChatModel, runTools } from "../src/models/index.js";
import { FakeChatModel, type FakeReply } from "../src/testing/index.js";
import {
  DuckDbCatalog,
  DuckDbEngine,
  Text2Sql,
  tablesFromPaths,
  toJsonRows,
} from "../src/text2sql/index.js";

const data = join(dirname(fileURLToPath(import.meta.url)), "data");
const question = process.argv.slice(2).join(" ") || "How are our orders split by status?";

/** The scripted assistant: call the tool, then answer from the rows it returned. */
function scriptedAssistant(): ChatModel {
  return new FakeChatModel({
    id: "scripted-assistant",
    responses: (request, call): FakeReply => {
      if (call === 0) {
        return {
          text: "I'll look that up.",
          toolCalls: [
            {
              name: "lookup_orders",
              input: { question: "How many orders are there in each status?" },
            },
          ],
        };
      }
      // Read the tool result the loop sent back, as a real model would.
      const last = request.messages.at(-1)?.content;
      const result = Array.isArray(last)
        ? last.find((b) => b.type === "toolResult" && !b.isError)
        : undefined;
      if (result?.type !== "toolResult" || typeof result.content !== "string") {
        return "Sorry, I could not look up the orders.";
      }
      const rows = JSON.parse(result.content) as { status: string; orders: number }[];
      const total = rows.reduce((sum, r) => sum + r.orders, 0);
      const parts = rows.map((r, i) =>
        i === 0 ? `${r.orders} are ${r.status}` : `${r.orders} ${r.status}`,
      );
      const list = `${parts.slice(0, -1).join(", ")} and ${parts.at(-1)}`;
      return `Of ${total} orders, ${list}.`;
    },
  });
}

/** The scripted SQL writer behind Text2Sql. */
const scriptedSqlModel = (): ChatModel =>
  new FakeChatModel({
    id: "scripted-sql",
    responses: [
      "```sql\nSELECT status, count(*) AS orders\nFROM shop.orders\nGROUP BY status\nORDER BY orders DESC, status\n```",
    ],
  });

const modelId = process.env.FMOPS_BEDROCK_MODEL;
const bedrock = modelId ? new BedrockChatModel({ modelId }) : undefined;
const assistant = bedrock ?? scriptedAssistant();

const engine = new DuckDbEngine({
  tables: tablesFromPaths([data]),
  database: "shop",
  tableComments: {
    orders: "One row per order; order_date is the day it was placed",
    order_items: "Order lines; unit_price is the price paid per unit after any discount",
  },
  columnComments: { orders: { status: "delivered, shipped, cancelled, returned or pending" } },
});
const text2sql = new Text2Sql({
  model: bedrock ?? scriptedSqlModel(),
  engine,
  catalog: new DuckDbCatalog({ engine }),
  rowLimit: 50,
});

const lookupOrders: RunnableTool<z.ZodObject<{ question: z.ZodString }>> = {
  name: "lookup_orders",
  description:
    "Answers a question about the shop's orders, customers and products by querying its database. " +
    "Ask one precise question in plain English; returns the result rows as JSON.",
  inputSchema: z.object({ question: z.string().min(1) }),
  async execute({ question }, ctx) {
    const answer = await text2sql.ask(question, { signal: ctx.signal });
    // Throwing sends the reason back to the model as an error result, so it can rephrase.
    if (answer.status !== "ok" || !answer.result) {
      throw new Error(`no answer (${answer.status}): ${answer.reason ?? "the query did not run"}`);
    }
    // count(*) is a bigint, which JSON.stringify rejects: make every value JSON-ready.
    return toJsonRows(answer.result.rows);
  },
};

function show(step: ToolStep): void {
  if (step.toolRuns.length === 0) {
    console.log(`step ${step.step}: answered`);
    return;
  }
  for (const run of step.toolRuns) {
    console.log(`step ${step.step}: ${run.call.name}(${JSON.stringify(run.call.input)})`);
    console.log(run.error ? `  error: ${run.error}` : `  -> ${JSON.stringify(run.output)}`);
  }
}

try {
  console.log(`Q: ${question}`);
  const { text, steps, usage } = await runTools(assistant, {
    system: "You answer questions about the shop's orders. Use lookup_orders for any figure.",
    messages: [{ role: "user", content: question }],
    tools: [lookupOrders],
    maxSteps: 5,
    timeoutMs: 120_000,
  });
  for (const step of steps) show(step);
  console.log(`answer: ${text}`);
  console.log(`tokens: ${usage.inputTokens ?? 0} in, ${usage.outputTokens ?? 0} out`);
} finally {
  await engine.close();
}
