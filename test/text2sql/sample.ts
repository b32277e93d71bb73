import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const data = join(dirname(fileURLToPath(import.meta.url)), "../../examples/data");

/** The sample shop dataset under examples/data (CSV, Parquet and JSON Lines). */
export const sampleTables = {
  customers: join(data, "customers.csv"),
  products: join(data, "products.csv"),
  orders: join(data, "orders.parquet"),
  order_items: join(data, "order_items.jsonl"),
};
