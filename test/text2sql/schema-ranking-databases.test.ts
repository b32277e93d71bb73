import { describe, expect, it } from "vitest";
import { SchemaRanker } from "../../src/text2sql/schema-ranking.js";
import type { TableSchema } from "../../src/text2sql/types.js";
import { ColumnValueIndex } from "../../src/text2sql/value-index.js";

const t = (database: string, name: string, columns: string[]): TableSchema => ({
  name,
  database,
  columns: columns.map((c) => ({ name: c, type: c.endsWith("_id") ? "bigint" : "varchar" })),
});

const ids = (hits: { id: string }[]) => hits.map((h) => h.id);

describe("SchemaRanker across pooled databases", () => {
  it("fills the places after the first from the first table's database before a twin elsewhere", () => {
    // Four databases hold a `station` table; only bike_share's joins the trips the question
    // counts. The others (and a call-out table keyed by its station) match "station name" too.
    const tables = [
      t("bike_share", "trip", ["trip_id", "start_station_id", "end_station_id", "bike_id"]),
      t("bike_share", "station", ["station_id", "name", "dock_count", "city"]),
      t("bike_share", "bike", ["bike_id", "model"]),
      t("bike_share", "weather", ["day", "zip_code", "rain"]),
      t("weather", "station", ["station_id", "station_name", "elevation"]),
      t("weather", "station_reading", ["station_id", "day", "rainfall"]),
      t("fire_service", "station", ["station_id", "station_name", "engine_count"]),
      t("fire_service", "call_out", ["call_id", "station_id", "false_alarm"]),
      t("railway", "station", ["station_id", "station_name", "platforms"]),
      t("railway", "line", ["line_id", "name"]),
    ];
    const ranked = ids(
      new SchemaRanker({ tables }).rank("Which station name has the most trips?", 2),
    );
    expect(ranked).toEqual(["bike_share.trip", "bike_share.station"]);
  });

  it("the customers meant are those of the shop whose orders hold the status 'refunded'", () => {
    // `customers` exists three times with the same columns; the status "refunded" is held only by
    // the online shop's orders, so the online shop's customers are the ones meant.
    const tables = [
      t("wholesale", "customers", ["customer_id", "name", "email"]),
      t("wholesale", "customer_orders", ["order_id", "customer_id", "order_status"]),
      t("wholesale", "products", ["product_id", "product_name"]),
      t("online", "customers", ["customer_id", "name", "email"]),
      t("online", "orders", ["order_id", "customer_id", "status"]),
      t("online", "reviews", ["review_id", "order_id", "stars"]),
      t("telecom", "customers", ["customer_id", "name", "email"]),
      t("telecom", "plans", ["plan_id", "name", "monthly_fee"]),
    ];
    const values = new ColumnValueIndex({
      columns: [
        { table: "online.orders", column: "status", values: ["refunded", "shipped"] },
        { table: "wholesale.customer_orders", column: "order_status", values: ["open", "closed"] },
      ],
    });
    const ranked = ids(
      new SchemaRanker({ tables, values }).rank(
        "List the emails of customers who have an order that was refunded.",
        2,
      ),
    );
    expect(ranked).toEqual(["online.orders", "online.customers"]);
  });

  it("a value names its database: the customers of the shop selling 'garden tools' come first", () => {
    // Three databases hold the same `customers` table; the category is a value of another table
    // of one shop, and only that shop's order path (customers -> orders -> products) answers.
    const tables = [
      t("wholesale", "customers", ["customer_id", "name", "email"]),
      t("wholesale", "customer_orders", ["order_id", "customer_id", "total"]),
      t("wholesale", "products", ["product_id", "title", "price"]),
      t("online", "customers", ["customer_id", "name", "email"]),
      t("online", "orders", ["order_id", "customer_id", "product_id"]),
      t("online", "products", ["product_id", "title", "category"]),
      t("telecom", "customers", ["customer_id", "name", "email"]),
      t("telecom", "plans", ["plan_id", "name", "monthly_fee"]),
    ];
    const values = new ColumnValueIndex({
      columns: [{ table: "online.products", column: "category", values: ["Garden Tools", "Toys"] }],
    });
    const ranked = ids(
      new SchemaRanker({ tables, values }).rank("Which customers bought garden tools?", 3),
    );
    expect(ranked).toEqual(["online.customers", "online.orders", "online.products"]);
  });
  it("a database that explains every word of the question comes before one that explains a word", () => {
    // The logistics database has every word of the question: hazardous (skus), items
    // (shipment_items), shipped (shipments) and, through `mode`, a carrier. The restaurant's two
    // `*_items` tables match "items" in their names more strongly than `carriers` matches
    // anything, yet explain nothing else; the query needs all four logistics tables.
    const tables = [
      t("logistics", "carriers", ["carrier_id", "carrier_name", "mode"]),
      t("logistics", "shipments", ["shipment_id", "carrier_id", "destination_city", "shipped_at"]),
      t("logistics", "shipment_items", ["shipment_id", "sku", "quantity"]),
      t("logistics", "skus", ["sku", "description", "category", "hazardous"]),
      t("restaurant", "menu_items", ["item_id", "name", "category", "price", "is_vegetarian"]),
      t("restaurant", "order_items", ["order_id", "item_id", "quantity"]),
    ];
    const ranked = ids(
      new SchemaRanker({ tables }).rank("How many hazardous items were shipped by air?", 4),
    );
    expect([...ranked].sort()).toEqual([
      "logistics.carriers",
      "logistics.shipment_items",
      "logistics.shipments",
      "logistics.skus",
    ]);
  });

  it("a value's words count as explained by the database that holds the value", () => {
    // "refunded" is a status value of the shop's orders; the ticket office has a `refunds`
    // table. By names alone the ticket office explains more of the question (orders, refunds);
    // with the value, the shop explains it all (customers, orders, refunded), so its customers
    // follow its orders.
    const tables = [
      t("shop", "orders", ["order_id", "customer_id", "status", "ordered_at"]),
      t("shop", "customers", ["customer_id", "name", "email"]),
      t("shop", "products", ["product_id", "title"]),
      t("tickets", "orders", ["order_id", "buyer_id", "event_id"]),
      t("tickets", "refunds", ["refund_id", "order_id", "amount"]),
      t("tickets", "events", ["event_id", "event_name"]),
      t("telecom", "customers", ["customer_id", "name", "plan_id"]),
      t("telecom", "plans", ["plan_id", "monthly_fee"]),
    ];
    const values = new ColumnValueIndex({
      columns: [
        { table: "shop.orders", column: "status", values: ["refunded", "shipped", "open"] },
      ],
    });
    const ranked = ids(
      new SchemaRanker({ tables, values }).rank("Which customers had orders refunded?", 2),
    );
    expect(ranked).toEqual(["shop.orders", "shop.customers"]);
  });
});
