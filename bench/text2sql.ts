/**
 * Benchmark: text-to-SQL loop overhead and schema-selection recall.
 *
 *  - overhead: per-attempt time spent outside the model (extract + guard + validate + execute)
 *    for --questions questions answered by an instant scripted model, on DuckDB (sample shop data)
 *    and against the local Athena stand-in (real @aws-sdk/client-athena over HTTP, DuckDB behind
 *    it; the stand-in answers QUEUED, then SUCCEEDED, so one poll delay is included);
 *  - recall: a synthetic Glue-like catalog of 330 tables (11 business domains x 10 core tables,
 *    plus staging, snapshot and regional copies of each that share its columns, as real lakes
 *    do) and 40 hand-written questions, each naming the core table(s) that answer it. Recall@k
 *    is the share of gold tables among the top k of the default SchemaRanker (what Text2Sql
 *    uses for catalogs larger than maxTables).
 *
 * Usage: `npm run bench -- text2sql [--questions 100]`. Prints one JSON line (with the questions
 * the top-1 table missed). `RECALL_ONLY=1` prints only the recall part.
 */
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { FakeChatModel } from "../src/testing/fake-chat-model.js";
import { AthenaEngine } from "../src/text2sql/athena-engine.js";
import { DuckDbEngine } from "../src/text2sql/duckdb-engine.js";
import { SchemaRanker } from "../src/text2sql/schema-ranking.js";
import { Text2Sql } from "../src/text2sql/text2sql.js";
import type { SqlEngine, TableSchema } from "../src/text2sql/types.js";
import { startAthena } from "../test/emulators/athena.js";

const args = new Map<string, string>();
for (let i = 2; i + 1 < process.argv.length; i += 2)
  args.set((process.argv[i] as string).replace(/^--/, ""), process.argv[i + 1] as string);
const QUESTIONS = Number(args.get("questions") ?? 100);

const data = join(dirname(fileURLToPath(import.meta.url)), "../examples/data");
const tables = {
  customers: join(data, "customers.csv"),
  products: join(data, "products.csv"),
  orders: join(data, "orders.parquet"),
  order_items: join(data, "order_items.jsonl"),
};
const schema: TableSchema[] = [
  {
    name: "orders",
    database: "shop",
    columns: [
      { name: "order_id", type: "integer" },
      { name: "status", type: "varchar" },
      { name: "customer_id", type: "integer" },
    ],
  },
  {
    name: "customers",
    database: "shop",
    columns: [
      { name: "customer_id", type: "integer" },
      { name: "country", type: "varchar" },
    ],
  },
];
const QUERIES = [
  "SELECT status, count(*) AS n FROM shop.orders GROUP BY status",
  "SELECT c.country, count(*) AS n FROM shop.orders o JOIN shop.customers c ON c.customer_id = o.customer_id GROUP BY 1 ORDER BY 2 DESC",
  "SELECT * FROM shop.order_items WHERE quantity > 2",
];

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return Number((s[Math.min(s.length - 1, Math.floor(p * s.length))] ?? 0).toFixed(3));
};

async function overhead(engine: SqlEngine, n: number) {
  const model = new FakeChatModel({
    responses: (_r, call) => `\`\`\`sql\n${QUERIES[call % QUERIES.length]}\n\`\`\``,
  });
  const t2s = new Text2Sql({ model, engine, tables: schema, rowLimit: 100 });
  await t2s.ask("warm up");
  const total: number[] = [];
  const guard: number[] = [];
  const validate: number[] = [];
  const execute: number[] = [];
  for (let i = 0; i < n; i++) {
    const result = await t2s.ask(`question ${i}`);
    const a = result.attempts[0];
    if (result.status !== "ok" || !a)
      throw new Error(`unexpected ${result.status}: ${result.reason}`);
    guard.push(a.timings.guardMs);
    validate.push(a.timings.validateMs ?? 0);
    execute.push(a.timings.executeMs ?? 0);
    total.push(a.timings.guardMs + (a.timings.validateMs ?? 0) + (a.timings.executeMs ?? 0));
  }
  return {
    attempts: n,
    overheadMs: { p50: pct(total, 0.5), p90: pct(total, 0.9) },
    extractGuardMs: { p50: pct(guard, 0.5), p90: pct(guard, 0.9) },
    validateMs: { p50: pct(validate, 0.5), p90: pct(validate, 0.9) },
    executeMs: { p50: pct(execute, 0.5), p90: pct(execute, 0.9) },
  };
}

// --- recall ---------------------------------------------------------------------------------
type Core = [name: string, description: string, columns: string[]];
const DOMAINS: Record<string, Core[]> = {
  sales: [
    [
      "orders",
      "Customer orders",
      ["order_id", "customer_id", "order_date", "status", "channel", "total_amount"],
    ],
    [
      "order_lines",
      "Line items of orders",
      ["order_id", "line_no", "sku", "quantity", "unit_price", "discount"],
    ],
    [
      "customers",
      "Customer master data",
      ["customer_id", "full_name", "email", "country", "segment", "signup_date"],
    ],
    [
      "refunds",
      "Refunds issued on orders",
      ["refund_id", "order_id", "amount", "reason", "refunded_at"],
    ],
    [
      "quotes",
      "Sales quotes to prospects",
      ["quote_id", "account_id", "amount", "valid_until", "stage"],
    ],
    [
      "accounts",
      "B2B accounts",
      ["account_id", "company_name", "industry", "employees", "owner_id"],
    ],
    [
      "opportunities",
      "Pipeline opportunities",
      ["opportunity_id", "account_id", "stage", "expected_close", "value"],
    ],
    ["sales_reps", "Sales representatives", ["rep_id", "name", "region", "quota", "hire_date"]],
    ["territories", "Sales territories", ["territory_id", "name", "region", "rep_id"]],
    ["price_lists", "Prices per SKU and currency", ["sku", "currency", "list_price", "valid_from"]],
  ],
  marketing: [
    [
      "campaigns",
      "Marketing campaigns",
      ["campaign_id", "name", "channel", "budget", "start_date", "end_date"],
    ],
    [
      "ad_impressions",
      "Ad impressions served",
      ["impression_id", "campaign_id", "placement", "shown_at", "cost_micros"],
    ],
    ["ad_clicks", "Clicks on ads", ["click_id", "impression_id", "campaign_id", "clicked_at"]],
    [
      "email_sends",
      "Marketing emails sent",
      ["send_id", "campaign_id", "recipient_email", "sent_at", "template"],
    ],
    ["email_opens", "Email opens", ["send_id", "opened_at", "device"]],
    ["leads", "Marketing leads", ["lead_id", "source", "email", "score", "created_at"]],
    [
      "utm_sessions",
      "Web sessions with UTM parameters",
      ["session_id", "utm_source", "utm_medium", "utm_campaign", "started_at"],
    ],
    ["coupons", "Discount coupons", ["coupon_code", "campaign_id", "percent_off", "expires_at"]],
    ["coupon_redemptions", "Coupon uses", ["coupon_code", "order_id", "redeemed_at"]],
    [
      "newsletter_subscribers",
      "Newsletter subscriptions",
      ["email", "subscribed_at", "unsubscribed_at"],
    ],
  ],
  hr: [
    [
      "employees",
      "Staff records",
      ["employee_id", "full_name", "department_id", "title", "hire_date", "manager_id"],
    ],
    ["salaries", "Salary history", ["employee_id", "annual_salary", "currency", "effective_from"]],
    ["departments", "Company departments", ["department_id", "name", "cost_center", "head_id"]],
    [
      "time_off",
      "Vacation and sick leave",
      ["request_id", "employee_id", "kind", "start_date", "end_date", "approved"],
    ],
    [
      "job_postings",
      "Open positions",
      ["posting_id", "department_id", "title", "opened_at", "closed_at"],
    ],
    ["candidates", "Job applicants", ["candidate_id", "posting_id", "name", "stage", "applied_at"]],
    [
      "interviews",
      "Interview events",
      ["interview_id", "candidate_id", "interviewer_id", "scheduled_at", "rating"],
    ],
    [
      "performance_reviews",
      "Yearly performance reviews",
      ["employee_id", "year", "rating", "reviewer_id"],
    ],
    ["trainings", "Training courses completed", ["employee_id", "course", "completed_at", "hours"]],
    [
      "terminations",
      "Employee departures",
      ["employee_id", "terminated_at", "reason", "voluntary"],
    ],
  ],
  finance: [
    [
      "invoices",
      "Invoices sent",
      ["invoice_id", "customer_id", "issued_at", "due_date", "amount_due", "currency"],
    ],
    ["payments", "Payments received", ["payment_id", "invoice_id", "paid_at", "amount", "method"]],
    [
      "general_ledger",
      "Ledger entries",
      ["entry_id", "account_code", "debit", "credit", "posted_at"],
    ],
    ["budgets", "Budgets per cost center", ["cost_center", "fiscal_year", "amount"]],
    [
      "expenses",
      "Employee expense claims",
      ["expense_id", "employee_id", "category", "amount", "submitted_at"],
    ],
    ["vendors", "Suppliers we pay", ["vendor_id", "name", "country", "payment_terms"]],
    [
      "purchase_orders",
      "Purchases from vendors",
      ["po_id", "vendor_id", "ordered_at", "amount", "status"],
    ],
    ["fx_rates", "Daily currency exchange rates", ["currency", "rate_date", "usd_rate"]],
    ["tax_filings", "Tax returns", ["filing_id", "jurisdiction", "period", "amount"]],
    [
      "chargebacks",
      "Card chargebacks",
      ["chargeback_id", "payment_id", "amount", "reason", "opened_at"],
    ],
  ],
  logistics: [
    [
      "shipments",
      "Parcels shipped to customers",
      ["shipment_id", "order_id", "carrier", "shipped_at", "delivered_at"],
    ],
    ["warehouses", "Warehouse locations", ["warehouse_id", "city", "country", "capacity"]],
    [
      "inventory",
      "Stock levels per warehouse",
      ["warehouse_id", "sku", "on_hand", "snapshot_date"],
    ],
    ["carriers", "Delivery carriers", ["carrier", "name", "service_level"]],
    ["returns", "Returned parcels", ["return_id", "order_id", "received_at", "condition"]],
    ["routes", "Truck routes", ["route_id", "origin_warehouse", "destination", "distance_km"]],
    [
      "deliveries_late",
      "Late delivery incidents",
      ["shipment_id", "promised_date", "delivered_at", "delay_days"],
    ],
    [
      "stock_movements",
      "Stock transfers between warehouses",
      ["movement_id", "sku", "from_warehouse", "to_warehouse", "quantity"],
    ],
    ["suppliers_lead_times", "Supplier lead times", ["vendor_id", "sku", "lead_time_days"]],
    ["pallets", "Pallets in storage", ["pallet_id", "warehouse_id", "sku", "weight_kg"]],
  ],
  support: [
    [
      "tickets",
      "Customer support tickets",
      ["ticket_id", "customer_id", "opened_at", "closed_at", "priority", "status"],
    ],
    ["ticket_messages", "Messages on tickets", ["ticket_id", "author", "sent_at", "body"]],
    ["agents", "Support agents", ["agent_id", "name", "team", "shift"]],
    [
      "csat_surveys",
      "Customer satisfaction survey answers",
      ["ticket_id", "score", "comment", "answered_at"],
    ],
    ["sla_breaches", "Missed response-time targets", ["ticket_id", "sla", "breached_at"]],
    ["kb_articles", "Help-center articles", ["article_id", "title", "views", "updated_at"]],
    [
      "chat_sessions",
      "Live chat conversations",
      ["chat_id", "customer_id", "agent_id", "started_at", "duration_s"],
    ],
    [
      "call_logs",
      "Phone support calls",
      ["call_id", "agent_id", "started_at", "duration_s", "outcome"],
    ],
    ["escalations", "Tickets escalated to engineering", ["ticket_id", "escalated_at", "team"]],
    ["macros_used", "Canned responses used", ["ticket_id", "macro", "used_at"]],
  ],
  product: [
    ["products", "Product catalog", ["sku", "name", "category", "brand", "launch_date"]],
    [
      "product_reviews",
      "Customer ratings and reviews",
      ["review_id", "sku", "rating", "review_text", "created_at"],
    ],
    ["categories", "Product categories", ["category", "parent_category"]],
    ["feature_flags", "Feature flag states", ["flag", "enabled", "rollout_percent", "updated_at"]],
    ["experiments", "A/B tests", ["experiment_id", "name", "variant", "started_at"]],
    [
      "experiment_assignments",
      "Users assigned to A/B variants",
      ["experiment_id", "user_id", "variant"],
    ],
    ["releases", "Software releases", ["version", "released_at", "notes"]],
    ["bugs", "Reported bugs", ["bug_id", "severity", "component", "opened_at", "fixed_at"]],
    ["roadmap_items", "Planned features", ["item_id", "title", "quarter", "status"]],
    ["sku_images", "Product images", ["sku", "image_url", "position"]],
  ],
  web: [
    ["page_views", "Website page views", ["view_id", "session_id", "url", "viewed_at", "referrer"]],
    ["sessions", "Website visits", ["session_id", "user_id", "started_at", "device", "country"]],
    ["searches", "Site search queries", ["search_id", "session_id", "query", "results_count"]],
    [
      "cart_events",
      "Add-to-cart and remove events",
      ["event_id", "session_id", "sku", "action", "at"],
    ],
    ["checkout_steps", "Checkout funnel steps", ["session_id", "step", "reached_at"]],
    ["users", "Registered website users", ["user_id", "email", "created_at", "last_login"]],
    [
      "errors_frontend",
      "JavaScript errors in browsers",
      ["error_id", "session_id", "message", "url"],
    ],
    [
      "api_requests",
      "Backend API request log",
      ["request_id", "path", "status_code", "latency_ms", "at"],
    ],
    ["cdn_logs", "CDN access logs", ["edge", "url", "bytes", "status", "at"]],
    ["bot_traffic", "Requests flagged as bots", ["request_id", "user_agent", "score"]],
  ],
  iot: [
    ["devices", "Connected devices", ["device_id", "model", "firmware", "installed_at", "site_id"]],
    [
      "telemetry",
      "Sensor readings",
      ["device_id", "reading_at", "temperature_c", "humidity", "battery_pct"],
    ],
    ["alerts", "Device alarms", ["alert_id", "device_id", "kind", "raised_at", "cleared_at"]],
    ["sites", "Customer sites", ["site_id", "name", "city", "country"]],
    [
      "firmware_updates",
      "Over-the-air updates",
      ["device_id", "from_version", "to_version", "updated_at", "success"],
    ],
    [
      "maintenance_visits",
      "Technician visits",
      ["visit_id", "site_id", "technician", "visited_at"],
    ],
    ["energy_usage", "Electricity consumption", ["site_id", "hour", "kwh"]],
    ["gateways", "Network gateways", ["gateway_id", "site_id", "ip_address"]],
    ["device_heartbeats", "Device online pings", ["device_id", "seen_at"]],
    ["calibrations", "Sensor calibrations", ["device_id", "calibrated_at", "offset"]],
  ],
  security: [
    [
      "login_attempts",
      "Sign-in attempts",
      ["attempt_id", "user_id", "at", "success", "ip_address"],
    ],
    ["audit_log", "Admin actions", ["event_id", "actor", "action", "target", "at"]],
    [
      "vulnerabilities",
      "Security findings",
      ["finding_id", "severity", "asset", "found_at", "fixed_at"],
    ],
    ["access_keys", "API keys issued", ["key_id", "owner", "created_at", "last_used"]],
    ["mfa_enrollments", "Multi-factor enrollments", ["user_id", "method", "enrolled_at"]],
    ["firewall_events", "Blocked connections", ["event_id", "src_ip", "dst_port", "at"]],
    ["phishing_reports", "Reported phishing emails", ["report_id", "reporter", "at", "verdict"]],
    ["incidents", "Security incidents", ["incident_id", "severity", "opened_at", "resolved_at"]],
    ["assets", "IT assets", ["asset_id", "hostname", "owner", "os"]],
    ["patches", "OS patches applied", ["asset_id", "patch", "applied_at"]],
  ],
  subscriptions: [
    [
      "subscriptions",
      "Customer subscriptions",
      ["subscription_id", "customer_id", "plan", "started_at", "cancelled_at", "mrr"],
    ],
    ["plans", "Subscription plans", ["plan", "monthly_price", "seats"]],
    ["usage_events", "Metered product usage", ["subscription_id", "metric", "quantity", "at"]],
    ["trials", "Free trials", ["trial_id", "email", "started_at", "converted"]],
    ["churn_reasons", "Why customers cancelled", ["subscription_id", "reason", "comment"]],
    ["renewals", "Contract renewals", ["subscription_id", "renewed_at", "term_months"]],
    [
      "seat_changes",
      "Seat count changes",
      ["subscription_id", "changed_at", "old_seats", "new_seats"],
    ],
    ["billing_runs", "Monthly billing runs", ["run_id", "period", "invoices_created"]],
    ["dunning", "Failed-payment reminders", ["subscription_id", "attempt", "sent_at"]],
    ["upgrades", "Plan upgrades", ["subscription_id", "from_plan", "to_plan", "at"]],
  ],
};
const catalog: TableSchema[] = [];
for (const [domain, cores] of Object.entries(DOMAINS)) {
  for (const [name, description, columns] of cores) {
    const cols = columns.map((c) => ({
      name: c,
      type: /_id$|quantity|count|seats|year|attempt/.test(c)
        ? "bigint"
        : /amount|price|salary|mrr|rate|kwh|score|rating/.test(c)
          ? "double"
          : /_at$|date|from$|until$/.test(c)
            ? "timestamp"
            : "string",
    }));
    catalog.push({ name, database: domain, description, columns: cols });
    // Confusers: a staging copy and a snapshot share every column; a regional extract shares most.
    catalog.push({
      name: `stg_${name}`,
      database: `${domain}_staging`,
      description: `Raw load of ${name} before cleaning`,
      columns: cols,
    });
    catalog.push({
      name: `${name}_snapshot_2023`,
      database: `${domain}_archive`,
      description: "Frozen copy",
      columns: cols.slice(0, -1),
    });
  }
}
const QUESTIONS_GOLD: [string, string[]][] = [
  ["How many orders were placed per sales channel last month?", ["sales.orders"]],
  ["What was the total refund amount by reason?", ["sales.refunds"]],
  ["Which customers signed up in 2024 from Germany?", ["sales.customers"]],
  ["Average unit price and quantity per SKU in order lines", ["sales.order_lines"]],
  ["Pipeline value by opportunity stage", ["sales.opportunities"]],
  ["Which sales reps are above quota?", ["sales.sales_reps"]],
  ["Marketing budget per campaign channel", ["marketing.campaigns"]],
  ["Click-through rate of ads per campaign", ["marketing.ad_clicks", "marketing.ad_impressions"]],
  ["Email open rate per template", ["marketing.email_sends", "marketing.email_opens"]],
  ["How many leads came from each source with a score over 80?", ["marketing.leads"]],
  ["Which coupons were redeemed most?", ["marketing.coupon_redemptions"]],
  ["Average annual salary by department", ["hr.salaries", "hr.departments"]],
  ["Headcount per department", ["hr.employees", "hr.departments"]],
  ["How many vacation days were approved per employee?", ["hr.time_off"]],
  ["Interview ratings per candidate stage", ["hr.interviews", "hr.candidates"]],
  ["Voluntary termination rate this year", ["hr.terminations"]],
  ["Total amount due on overdue invoices", ["finance.invoices"]],
  ["Payments received per payment method", ["finance.payments"]],
  ["Expense claims by category", ["finance.expenses"]],
  ["Purchase order spend per vendor", ["finance.purchase_orders", "finance.vendors"]],
  ["USD exchange rate of EUR over time", ["finance.fx_rates"]],
  ["Average delivery time per carrier", ["logistics.shipments"]],
  ["Stock on hand per warehouse", ["logistics.inventory"]],
  ["Which shipments were delivered late and by how many days?", ["logistics.deliveries_late"]],
  ["Returned parcels in damaged condition", ["logistics.returns"]],
  ["Open high-priority support tickets", ["support.tickets"]],
  ["Average customer satisfaction score per month", ["support.csat_surveys"]],
  [
    "Which support agents handled the longest phone calls?",
    ["support.call_logs", "support.agents"],
  ],
  ["Most viewed help-center articles", ["support.kb_articles"]],
  ["Average product rating per brand", ["product.product_reviews", "product.products"]],
  ["Bugs by severity and component still not fixed", ["product.bugs"]],
  ["Which A/B test variant had most users?", ["product.experiment_assignments"]],
  ["Top search queries with zero results", ["web.searches"]],
  ["Checkout funnel drop-off by step", ["web.checkout_steps"]],
  ["API requests with status code 500 and their latency", ["web.api_requests"]],
  ["Average temperature reading per device", ["iot.telemetry"]],
  ["Devices whose firmware update failed", ["iot.firmware_updates"]],
  ["Failed login attempts by IP address", ["security.login_attempts"]],
  ["Monthly recurring revenue by plan", ["subscriptions.subscriptions"]],
  ["Trial to paid conversion rate", ["subscriptions.trials"]],
];

function recall(ks: number[]) {
  const index = new SchemaRanker({ tables: catalog });
  const out: Record<string, number> = {};
  for (const k of ks) {
    let found = 0;
    let total = 0;
    for (const [question, gold] of QUESTIONS_GOLD) {
      const top = new Set(index.rank(question, k).map((h) => h.id));
      total += gold.length;
      found += gold.filter((g) => top.has(g)).length;
    }
    out[`recall@${k}`] = Number((found / total).toFixed(3));
  }
  const misses = QUESTIONS_GOLD.filter(
    ([q, gold]) => !gold.includes(index.rank(q, 1)[0]?.id ?? ""),
  ).map(([q]) => `${q} -> ${index.rank(q, 1)[0]?.id ?? "(none)"}`);
  return { ...out, missesAt1: misses };
}

if (process.env.RECALL_ONLY) {
  console.log(JSON.stringify(recall([1, 3, 5, 8]), null, 1));
  process.exit(0);
}
const duck = new DuckDbEngine({ tables, database: "shop" });
const duckdb = await overhead(duck, QUESTIONS);
await duck.close();
const standIn = await startAthena({ duckdb: { tables, database: "shop" }, runningPolls: 0 });
const athena = await overhead(
  new AthenaEngine({
    athena: standIn.client,
    database: "shop",
    pollMinDelayMs: 50,
    pollMaxDelayMs: 200,
  }),
  Math.min(QUESTIONS, 40),
);
await standIn.close();
const t0 = performance.now();
const recallResult = recall([1, 3, 5, 8]);
console.log(
  JSON.stringify({
    bench: "text2sql",
    node: process.version,
    duckdb,
    athenaStandIn: {
      ...athena,
      polling:
        "pollMinDelayMs 50, pollMaxDelayMs 200; stand-in answers QUEUED then SUCCEEDED (validate and execute each poll twice)",
    },
    schemaSelection: {
      tables: catalog.length,
      questions: QUESTIONS_GOLD.length,
      goldTables: QUESTIONS_GOLD.reduce((s, [, g]) => s + g.length, 0),
      ...recallResult,
      indexAndSearchMs: Number((performance.now() - t0).toFixed(1)),
    },
  }),
);
