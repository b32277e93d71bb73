/**
 * Schema rendering: which tables the model sees, within a token budget, and the search terms
 * schema ranking (`SchemaRanker`, on rag's `Bm25Index`) reads names, columns and questions with.
 *
 * @module
 */
import { oneLine } from "../prompts/index.js";
import { estimateTokens, lucenePorterStem, tokenize } from "../rag/index.js";
import type { ColumnSchema, TableSchema } from "./types.js";

// The schema budget counts tokens the way RagChain's context budget does: one estimate, about
// four characters per token, which slightly overestimates identifier-heavy text and so errs on
// the side of staying under a budget.
export { estimateTokens };

/** The qualified name a table is shown and retrieved under: `database.table`, or `table`. */
export function qualifiedName(table: TableSchema): string {
  return table.database ? `${table.database}.${table.name}` : table.name;
}

/**
 * Question words and filler that say nothing about which table is meant, on top of the English
 * stop words rag's analyzer drops ("the", "of", ...).
 */
const STOP = new Set(
  "a an and are as at be but by for if in into is it no not of on or such that the their then there these they this to was will with what which who whom whose how many much per do does did show list give me each all than from were has have had get find tell".split(
    " ",
  ),
);

/**
 * Splits identifiers and text into search terms with rag's analyzer parts: snake_case, camelCase
 * and letter/digit boundaries become word breaks (`orderItems2` -> `order items 2`), then rag's
 * Unicode tokenizer, lower case, stop words, and Lucene's Porter stemmer, so that "orders" meets
 * `order_id` and "categories" meets `category_name`.
 *
 * @example
 * ```ts
 * searchTerms("orderItems customer_ids Categories"); // ["order", "item", "custom", "id", "categori"]
 * ```
 */
export function searchTerms(text: string): string[] {
  const split = text
    .replace(/([a-z])([A-Z])/g, "$1 $2")
    .replace(/([A-Z]+)([A-Z][a-z])/g, "$1 $2")
    .replace(/(?<=\p{L})(?=\p{N})|(?<=\p{N})(?=\p{L})/gu, " ")
    .replace(/_/g, " ");
  const out: string[] = [];
  for (const token of tokenize(split)) {
    const lower = token.toLowerCase().replace(/['\u2019]s$/, "");
    if (lower.length < 2 || STOP.has(lower)) continue;
    out.push(lucenePorterStem(lower));
  }
  return out;
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
