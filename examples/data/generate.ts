/**
 * Regenerates the sample shop dataset in this folder (deterministic: a seeded generator).
 * customers.csv, products.csv, orders.parquet, order_items.jsonl.
 *
 * Run: node --import tsx examples/data/generate.ts
 */
import { writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { DuckDBInstance } from "@duckdb/node-api";

const here = dirname(fileURLToPath(import.meta.url));
let seed = 20240601;
const rand = () => {
  seed = (seed * 1103515245 + 12345) % 2147483648;
  return seed / 2147483648;
};
const pick = <T>(items: readonly T[]): T => items[Math.floor(rand() * items.length)] as T;

const first = [
  "Ana",
  "Ben",
  "Chloe",
  "Diego",
  "Elif",
  "Farah",
  "Gus",
  "Hana",
  "Ivan",
  "Jun",
  "Kofi",
  "Lena",
  "Mateo",
  "Nora",
  "Omar",
  "Priya",
  "Quinn",
  "Rosa",
  "Sven",
  "Tariq",
];
const last = [
  "Silva",
  "Novak",
  "Kim",
  "Garcia",
  "Okafor",
  "Müller",
  "Rossi",
  "Sato",
  "Dubois",
  "Nguyen",
];
const countries = ["US", "US", "US", "DE", "FR", "GB", "JP", "BR", "IN", "CA"];
const segments = ["consumer", "consumer", "small_business", "enterprise"];
const customers = Array.from({ length: 60 }, (_, i) => {
  const f = pick(first);
  const l = pick(last);
  const month = 1 + Math.floor(rand() * 12);
  const day = 1 + Math.floor(rand() * 28);
  return [
    i + 1,
    `${f} ${l}`,
    `${f}.${l}${i + 1}@example.com`.toLowerCase(),
    pick(countries),
    `2023-${String(month).padStart(2, "0")}-${String(day).padStart(2, "0")}`,
    pick(segments),
  ];
});
writeFileSync(
  join(here, "customers.csv"),
  `customer_id,name,email,country,signup_date,segment\n${customers.map((c) => c.join(",")).join("\n")}\n`,
);

const catalog: [string, string, number][] = [
  ["Trail Running Shoes", "footwear", 129.0],
  ["Leather Boots", "footwear", 189.5],
  ["Canvas Sneakers", "footwear", 59.99],
  ["Rain Jacket", "apparel", 149.0],
  ["Merino T-Shirt", "apparel", 45.0],
  ["Fleece Hoodie", "apparel", 79.0],
  ["Wool Socks (3 pack)", "apparel", 24.5],
  ["Daypack 20L", "bags", 89.0],
  ["Travel Duffel 40L", "bags", 119.0],
  ["Water Bottle 1L", "accessories", 19.99],
  ["Headlamp", "accessories", 34.95],
  ["Sunglasses", "accessories", 64.0],
  ["Camping Stove", "camping", 74.5],
  ["Two-Person Tent", "camping", 299.0],
  ["Sleeping Bag", "camping", 159.0],
  ["Trekking Poles", "accessories", 69.0],
  ["Insulated Mug", "accessories", 27.5],
  ["Down Vest", "apparel", 129.0],
  ["Approach Shoes", "footwear", 139.0],
  ["Dry Bag 10L", "bags", 22.0],
];
writeFileSync(
  join(here, "products.csv"),
  `product_id,name,category,unit_price\n${catalog.map(([n, c, p], i) => `${i + 1},"${n}",${c},${p.toFixed(2)}`).join("\n")}\n`,
);

const statuses = [
  "delivered",
  "delivered",
  "delivered",
  "shipped",
  "cancelled",
  "returned",
  "pending",
];
const channels = ["web", "web", "mobile", "store"];
const orders: string[] = [];
const items: string[] = [];
for (let id = 1; id <= 400; id++) {
  const day = new Date(Date.UTC(2024, 0, 1) + Math.floor(rand() * 366) * 86_400_000);
  orders.push(
    `${id},${1 + Math.floor(rand() * customers.length)},${day.toISOString().slice(0, 10)},${pick(statuses)},${pick(channels)}`,
  );
  const lines = 1 + Math.floor(rand() * 3);
  for (let l = 0; l < lines; l++) {
    const p = 1 + Math.floor(rand() * catalog.length);
    const price = (catalog[p - 1] as [string, string, number])[2];
    const discount = rand() < 0.2 ? 0.1 : 0;
    items.push(
      JSON.stringify({
        order_id: id,
        product_id: p,
        quantity: 1 + Math.floor(rand() * 3),
        unit_price: Number((price * (1 - discount)).toFixed(2)),
        discount,
      }),
    );
  }
}
writeFileSync(join(here, "order_items.jsonl"), `${items.join("\n")}\n`);
const csv = join(here, ".orders.tmp.csv");
writeFileSync(csv, `order_id,customer_id,order_date,status,channel\n${orders.join("\n")}\n`);
const db = await DuckDBInstance.create(":memory:");
const con = await db.connect();
await con.run(
  `COPY (SELECT order_id::INTEGER AS order_id, customer_id::INTEGER AS customer_id, order_date::DATE AS order_date, status, channel FROM read_csv_auto('${csv}'))
   TO '${join(here, "orders.parquet")}' (FORMAT PARQUET)`,
);
con.closeSync();
db.closeSync();
const { rmSync } = await import("node:fs");
rmSync(csv);
console.log(
  `wrote ${customers.length} customers, ${catalog.length} products, ${orders.length} orders, ${items.length} order items`,
);
