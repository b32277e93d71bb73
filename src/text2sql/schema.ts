/**
 * Schema selection: which tables the model sees, rendered within a token budget. A small BM25
 * index over table documents (names, descriptions, columns and comments) ranks tables for a
 * question unless a {@link SchemaRetriever} (e.g. the RAG module's) is supplied.
 *
 * @module
 */
import { oneLine } from "../prompts/index.js";
import { estimateTokens } from "../rag/index.js";
import type { ColumnSchema, RetrievedTable, SchemaRetriever, TableSchema } from "./types.js";

// The schema budget counts tokens the way RagChain's context budget does: one estimate, about
// four characters per token, which slightly overestimates identifier-heavy text and so errs on
// the side of staying under a budget.
export { estimateTokens };

/** The qualified name a table is shown and retrieved under: `database.table`, or `table`. */
export function qualifiedName(table: TableSchema): string {
  return table.database ? `${table.database}.${table.name}` : table.name;
}

/**
 * Splits text into lower-case search terms: snake_case and camelCase are split, digits kept,
 * and a light plural/verb-ending stemmer is applied so that "orders" matches `order_id`.
 */
export function searchTerms(text: string): string[] {
  return text
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter((t) => t.length > 1 && !STOP.has(t))
    .map(stem);
}

const STOP = new Set(
  "the a an of in on for to by and or is are was were what which who how many much per with from at as be do does did show list give me each all their there this that than".split(
    " ",
  ),
);

function stem(term: string): string {
  if (term.length > 4 && term.endsWith("ies")) return `${term.slice(0, -3)}y`;
  if (term.length > 4 && /(ches|shes|sses|xes)$/.test(term)) return term.slice(0, -2);
  if (term.length > 3 && term.endsWith("s") && !term.endsWith("ss")) return term.slice(0, -1);
  if (term.length > 5 && term.endsWith("ing")) return term.slice(0, -3);
  if (term.length > 4 && term.endsWith("ed")) return term.slice(0, -2);
  return term;
}

/** The text a table is indexed under: its name (weighted), description, columns and comments. */
export function tableDocument(table: TableSchema): string {
  const columns = [...table.columns, ...(table.partitionKeys ?? [])]
    .map((c) => `${c.name} ${c.comment ?? ""}`)
    .join(" ");
  // The table name counts three times: a question naming a table should rank it first.
  const name = `${table.name} ${table.name} ${table.name}`;
  return `${name} ${table.database ?? ""} ${table.description ?? ""} ${columns}`;
}

interface IndexedTable {
  table: TableSchema;
  terms: Map<string, number>;
  length: number;
}

/**
 * A BM25 (k1 = 1.2, b = 0.75) index of table documents; the embedded default for schema
 * selection, and a {@link SchemaRetriever} itself.
 *
 * @example
 * ```ts
 * const index = new SchemaIndex(await catalog.listTables());
 * const hits = await index.retrieve("revenue by country", { k: 5 }); // [{ id: "shop.orders", score: 3.2 }, ...]
 * ```
 */
export class SchemaIndex implements SchemaRetriever {
  readonly #docs: IndexedTable[];
  readonly #df = new Map<string, number>();
  readonly #avgLength: number;

  constructor(tables: readonly TableSchema[]) {
    this.#docs = tables.map((table) => {
      const terms = new Map<string, number>();
      const list = searchTerms(tableDocument(table));
      for (const t of list) terms.set(t, (terms.get(t) ?? 0) + 1);
      for (const t of terms.keys()) this.#df.set(t, (this.#df.get(t) ?? 0) + 1);
      return { table, terms, length: list.length };
    });
    this.#avgLength = this.#docs.reduce((s, d) => s + d.length, 0) / Math.max(1, this.#docs.length);
  }

  /** The `k` best tables for `query` with a positive score, best first (ties keep catalog order). */
  async retrieve(query: string, options: { k?: number } = {}): Promise<RetrievedTable[]> {
    return this.search(query, options.k ?? 10);
  }

  /** Synchronous {@link SchemaIndex.retrieve}. */
  search(query: string, k: number): RetrievedTable[] {
    const terms = [...new Set(searchTerms(query))];
    const n = this.#docs.length;
    const scored: RetrievedTable[] = [];
    for (const doc of this.#docs) {
      let score = 0;
      for (const term of terms) {
        const tf = doc.terms.get(term);
        if (!tf) continue;
        const df = this.#df.get(term) ?? 0;
        const idf = Math.log(1 + (n - df + 0.5) / (df + 0.5));
        score +=
          (idf * tf * 2.2) / (tf + 1.2 * (0.25 + (0.75 * doc.length) / (this.#avgLength || 1)));
      }
      if (score > 0)
        scored.push({
          id: qualifiedName(doc.table),
          score,
          metadata: { table: qualifiedName(doc.table) },
        });
    }
    return scored.sort((a, b) => b.score - a.score).slice(0, Math.max(0, k));
  }
}

/** Options of {@link renderSchema}. */
export interface RenderSchemaOptions {
  /** The question, used to keep its columns when a table must be shortened. */
  question?: string;
  /** The most tokens (by {@link estimateTokens}) the rendered schema may take. */
  tokenBudget: number;
}

/** A rendered schema and what it holds. */
export interface RenderedSchema {
  /** The text for the prompt. */
  text: string;
  /** Qualified names of the tables included, in order. */
  tables: string[];
  /** Whether some table or columns were left out to stay within the budget. */
  truncated: boolean;
  /** {@link estimateTokens} of `text`; never above the budget. */
  tokens: number;
}

/**
 * One table as the model sees it: a `Table` line, then one line per column; `columns` may be a
 * subset, with a note of how many are left out. Names, types, descriptions and comments come from
 * the catalog, which others can write to (a Glue table's comment, a column named by a crawler),
 * so each is put on one line ({@link oneLine}: line breaks, U+0085, U+2028/2029 and other control
 * characters become spaces) and cannot add a line of its own. Fence the result before it goes
 * into a prompt: `Text2Sql` does.
 */
export function renderTable(table: TableSchema, columns?: readonly ColumnSchema[]): string {
  const all = [
    ...table.columns,
    ...(table.partitionKeys ?? []).map((c) => ({ ...c, partition: true })),
  ];
  const shown = columns ?? all;
  const description = table.description ? shortLine(table.description, 300) : "";
  const header = `Table ${oneLine(qualifiedName(table))}${description ? ` -- ${description}` : ""}`;
  const lines = shown.map((c) => {
    const partition = (c as { partition?: boolean }).partition ? " (partition key)" : "";
    const comment = c.comment ? shortLine(c.comment, 160) : "";
    return `  ${oneLine(c.name)} ${oneLine(c.type)}${partition}${comment ? ` -- ${comment}` : ""}`;
  });
  const hidden = all.length - shown.length;
  if (hidden > 0) lines.push(`  ... ${hidden} more columns not shown`);
  return [header, ...lines].join("\n");
}

/** `text` on one line, cut to `max` characters with an ellipsis. */
function shortLine(text: string, max: number): string {
  const flat = oneLine(text);
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

/**
 * Renders `tables` (already in relevance order) for the prompt without exceeding
 * `tokenBudget`: whole tables while they fit, then a table shortened to the columns the question
 * mentions, its key columns and as many others as fit, then nothing more.
 *
 * @example
 * ```ts
 * const { text, tables } = renderSchema(ranked, { question, tokenBudget: 1500 });
 * ```
 */
export function renderSchema(
  tables: readonly TableSchema[],
  options: RenderSchemaOptions,
): RenderedSchema {
  const budget = Math.max(0, Math.floor(options.tokenBudget));
  const parts: string[] = [];
  const names: string[] = [];
  let truncated = false;
  const questionTerms = new Set(searchTerms(options.question ?? ""));
  const fits = (extra: string) => estimateTokens([...parts, extra].join("\n\n")) <= budget;
  for (const table of tables) {
    const full = renderTable(table);
    if (fits(full)) {
      parts.push(full);
      names.push(qualifiedName(table));
      continue;
    }
    truncated = true;
    const ordered = prioritizeColumns(table, questionTerms);
    // Largest prefix of the prioritized columns that fits (binary search: columns can be many).
    let lo = 0;
    let hi = ordered.length;
    while (lo < hi) {
      const mid = Math.ceil((lo + hi) / 2);
      if (fits(renderTable(table, ordered.slice(0, mid)))) lo = mid;
      else hi = mid - 1;
    }
    if (lo > 0) {
      parts.push(renderTable(table, ordered.slice(0, lo)));
      names.push(qualifiedName(table));
    }
  }
  if (names.length < tables.length) truncated = true;
  const text = parts.join("\n\n");
  return { text, tables: names, truncated, tokens: estimateTokens(text) };
}

/** Columns the question names first, then keys (`id`, `*_id`), then the rest in table order. */
function prioritizeColumns(table: TableSchema, questionTerms: ReadonlySet<string>): ColumnSchema[] {
  const all = [
    ...table.columns,
    ...(table.partitionKeys ?? []).map((c) => ({ ...c, partition: true })),
  ];
  const rank = (c: ColumnSchema) => {
    const terms = searchTerms(`${c.name} ${c.comment ?? ""}`);
    if (terms.some((t) => questionTerms.has(t))) return 0;
    if (/(^|_)id$/i.test(c.name) || (c as { partition?: boolean }).partition) return 1;
    return 2;
  };
  return all
    .map((c, i) => ({ c, i, r: rank(c) }))
    .sort((a, b) => a.r - b.r || a.i - b.i)
    .map((x) => x.c);
}
