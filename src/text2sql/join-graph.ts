/**
 * Join paths between tables: which tables can be joined on a key, declared in the catalog or
 * inferred from column names. Schema ranking uses it so that the table linking two tables a
 * question names (a bridge such as `order_items` between `orders` and `products`) is shown too.
 *
 * @module
 */
import type { TableSchema } from "./types.js";

/** One joinable pair: `from.column` holds keys of `to.toColumn`. Names are qualified (`db.table`). */
export interface JoinEdge {
  /** The table holding the referencing column. */
  from: string;
  /** Its column. */
  column: string;
  /** The referenced table. */
  to: string;
  /** The referenced (key) column. */
  toColumn: string;
  /** `declared` when a column comment or table parameter names the reference; else `inferred`. */
  source: "declared" | "inferred";
}

/** Lower case, with camelCase split into snake_case, so `CustomerId` and `customer_id` compare equal. */
function snake(name: string): string {
  return name
    .replace(/([a-z0-9])([A-Z])/g, "$1_$2")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "_");
}

/** A crude singular, enough to compare `customers` with `customer_id`'s `customer`. */
function singular(word: string): string {
  if (word.endsWith("ies") && word.length > 4) return `${word.slice(0, -3)}y`;
  if (/(ches|shes|sses|xes)$/.test(word)) return word.slice(0, -2);
  if (word.endsWith("s") && !word.endsWith("ss") && word.length > 3) return word.slice(0, -1);
  return word;
}

/** The entity a key column names: `customer_id` -> `customer`, `CustomerID` -> `customer`; else undefined. */
function keyBase(column: string): string | undefined {
  const s = snake(column);
  const m = /^(.+?)_?(id|code|key|no|num)$/.exec(s);
  return m?.[1] ? singular(m[1].replace(/_$/, "")) : undefined;
}

/** Whether a column looks like a key: `id`, `*_id`, `*Id`, `*_code`, `*_key`, `*_no`. */
export function isKeyColumn(column: string): boolean {
  const s = snake(column);
  return s === "id" || /_(id|code|key|no|num)$/.test(s);
}

/** Table-name words, singular: `order_items` -> [`order`, `item`]. */
function nameWords(table: string): string[] {
  return snake(table).split("_").filter(Boolean).map(singular);
}

/**
 * A declared reference in a column comment (`references customers(customer_id)`, `FK to
 * customers.customer_id`) or in a table parameter `foreign_key.<column>` = `table.column`.
 */
function declaredTarget(
  table: TableSchema,
  column: string,
  comment: string | undefined,
): { table: string; column?: string } | undefined {
  const param = table.parameters?.[`foreign_key.${column}`];
  const text = param ?? comment ?? "";
  const m =
    /(?:references|refers to|foreign key (?:to|of)|fk (?:to|of)?)\s+`?([A-Za-z_][\w.]*)`?(?:\s*\(\s*`?(\w+)`?\s*\))?/i.exec(
      text,
    ) ?? (param ? /^`?([A-Za-z_][\w.]*)`?$/.exec(param.trim()) : null);
  if (!m?.[1]) return undefined;
  const parts = m[1].split(".");
  // `table.column` or `db.table.column` or `db.table`: the last part is a column when the match
  // has no parenthesised column and there are at least two parts.
  if (!m[2] && parts.length >= 2) {
    return { table: parts[parts.length - 2] as string, column: parts[parts.length - 1] as string };
  }
  return { table: parts[parts.length - 1] as string, ...(m[2] ? { column: m[2] } : {}) };
}

/**
 * The join edges among `tables`, found only within one database (keys do not cross databases):
 *
 * - declared: a column comment or `foreign_key.<column>` table parameter naming the target;
 * - inferred: a key column (`customer_id`, `CustomerID`) in one table whose entity matches
 *   another table's name (`customers`, `customer`, `shop_customers`) or that is the other table's
 *   own key (its first column, or a column of that exact name the other table starts with).
 *
 * At most `maxPerTable` edges leave one table, so a wide fact table cannot link to everything.
 *
 * @example
 * ```ts
 * inferJoins(tables); // [{ from: "shop.orders", column: "customer_id", to: "shop.customers", toColumn: "customer_id", source: "inferred" }, ...]
 * ```
 */
export function inferJoins(tables: readonly TableSchema[], maxPerTable = 12): JoinEdge[] {
  const byDb = new Map<string, TableSchema[]>();
  for (const t of tables) {
    const list = byDb.get(t.database ?? "") ?? [];
    list.push(t);
    byDb.set(t.database ?? "", list);
  }
  const edges: JoinEdge[] = [];
  const q = (t: TableSchema) => (t.database ? `${t.database}.${t.name}` : t.name);
  for (const group of byDb.values()) {
    const byName = new Map(group.map((t) => [t.name.toLowerCase(), t]));
    // Which table each entity word names: `customer` -> customers; a table named by several
    // words (`order_items`) is found under its whole singular name.
    const byEntity = new Map<string, TableSchema[]>();
    for (const t of group) {
      const words = nameWords(t.name);
      const keys = new Set([words.join("_"), words.join("")]);
      const last = words[words.length - 1];
      // `shop_customers` is also the `customer` table, unless a table is named exactly that.
      if (words.length > 1 && last) keys.add(`~${last}`);
      for (const k of keys) byEntity.set(k, [...(byEntity.get(k) ?? []), t]);
    }
    const ownKey = (t: TableSchema): string | undefined => {
      const first = t.columns[0]?.name;
      return first && isKeyColumn(first) ? snake(first) : undefined;
    };
    for (const from of group) {
      let count = 0;
      const seen = new Set<string>();
      for (const col of [...from.columns, ...(from.partitionKeys ?? [])]) {
        if (count >= maxPerTable) break;
        const declared = declaredTarget(from, col.name, col.comment);
        let target: TableSchema | undefined;
        let toColumn: string | undefined;
        let source: JoinEdge["source"] = "inferred";
        if (declared) {
          target = byName.get(declared.table.toLowerCase());
          toColumn = declared.column;
          source = "declared";
        }
        if (!target && isKeyColumn(col.name) && snake(col.name) !== "id") {
          const base = keyBase(col.name);
          const s = snake(col.name);
          const candidates = base
            ? [...(byEntity.get(base) ?? []), ...(byEntity.get(base.replace(/_/g, "")) ?? [])]
            : [];
          if (base && candidates.length === 0) candidates.push(...(byEntity.get(`~${base}`) ?? []));
          // Or the column is another table's own key (`singer_in_concert.singer_id` -> `singer`).
          for (const t of group) if (t !== from && ownKey(t) === s) candidates.push(t);
          target = candidates.find((t) => t !== from);
          if (target) {
            const cols = target.columns.map((c) => c.name);
            toColumn =
              cols.find((c) => snake(c) === s) ??
              cols.find((c) => snake(c) === "id") ??
              target.columns[0]?.name;
          }
        }
        if (!target || target === from || seen.has(q(target))) continue;
        seen.add(q(target));
        count++;
        edges.push({
          from: q(from),
          column: col.name,
          to: q(target),
          toColumn: toColumn ?? target.columns[0]?.name ?? "",
          source,
        });
      }
    }
  }
  return edges;
}

/** Undirected adjacency of {@link inferJoins}'s edges: qualified name -> neighbours. */
export function joinNeighbours(edges: readonly JoinEdge[]): Map<string, Set<string>> {
  const adj = new Map<string, Set<string>>();
  const link = (a: string, b: string) => {
    const set = adj.get(a) ?? new Set<string>();
    set.add(b);
    adj.set(a, set);
  };
  for (const e of edges) {
    link(e.from, e.to);
    link(e.to, e.from);
  }
  return adj;
}
