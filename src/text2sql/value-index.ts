/**
 * A column-value index: distinct values sampled from text columns, so that a question naming a
 * value ("orders shipped to Paris") finds the column that holds it (`customers.city`) even when
 * it names no table or column.
 *
 * @module
 */
import { z } from "zod";
import type { WaitOptions } from "../core/index.js";
import { parseOptions } from "../core/index.js";
import { schemaFor } from "../core/internal.js";
import type { SqlEngine, TableSchema } from "./types.js";

/** The sampled values of one column. */
export interface SampledColumn {
  /** Qualified table name (`db.table`). */
  table: string;
  /** Column name. */
  column: string;
  /** Distinct values seen. */
  values: string[];
}

/** Options for {@link ColumnValueIndex}. */
export interface ColumnValueIndexOptions {
  /** The sampled columns (from {@link sampleColumnValues}, or gathered by you). */
  columns: SampledColumn[];
}

/** A column whose values the question mentions. */
export interface ValueMatch {
  /** Qualified table name. */
  table: string;
  /** Column name. */
  column: string;
  /** The value, as sampled. */
  value: string;
  /** Weight of the match: longer and rarer values weigh more. */
  score: number;
}

const columnsSchema = schemaFor<ColumnValueIndexOptions>()(
  z
    .object({
      columns: z.array(
        z.object({ table: z.string(), column: z.string(), values: z.array(z.string()) }).strict(),
      ),
    })
    .strict(),
);

/** Words too common to identify a column on their own, even when some column holds them. */
const WEAK = new Set(
  "the a an of in on for to by and or is are was were what which who how many much per with from at as be do does did show list give me each all their there this that than yes no true false none null other unknown n/a na active inactive".split(
    " ",
  ),
);

/** Text as words, accents removed, case kept (the question's capitals tell names apart). */
function rawWords(text: string): string[] {
  return text
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .split(/[^\p{L}\p{N}]+/u)
    .filter(Boolean);
}

/**
 * One word as it is compared: lower case, plural endings removed, so that a value matches
 * whatever its number ("Electric Bikes" and "electric bike", "Desserts" and "dessert", "Cities"
 * and "city"). Only plurals: a full stemmer would also merge "electricity" with "electric", and a
 * value is a name, where such near misses cost more than they find.
 */
function key(word: string): string {
  const w = word.toLowerCase();
  if (w.length > 3 && w.endsWith("ies") && !/[ae]ies$/.test(w)) return `${w.slice(0, -3)}y`;
  if (w.length > 3 && w.endsWith("es") && !/[aeo]es$/.test(w)) return w.slice(0, -1);
  if (w.length > 2 && w.endsWith("s") && !/(us|ss)$/.test(w)) return w.slice(0, -1);
  return w;
}

/** Question and value text as lower-case words. */
function words(text: string): string[] {
  return rawWords(text).map((w) => w.toLowerCase());
}

/** Values longer than this many words are descriptions, not names; they are not indexed. */
const MAX_VALUE_WORDS = 4;

/**
 * Looks values up in a question: every run of one to four consecutive words is compared with
 * the sampled values, case, accents and plural endings ignored ("electric bike" finds
 * "Electric Bikes"). A value held by many tables weighs less. A distinctive part of a multi-word value
 * (a word of four letters or more) finds it too, weighed by the share of the value it covers,
 * but only where the question writes it as a name ("JetBlue" finds "JetBlue Airways"; lower-case
 * "jetblue" does not).
 *
 * @example
 * ```ts
 * const values = await sampleColumnValues(engine, tables);
 * values.match("How many customers live in Paris?"); // [{ table: "shop.customers", column: "city", value: "Paris", score: 1.2 }]
 * ```
 */
export class ColumnValueIndex {
  readonly #byPhrase = new Map<string, Entry[]>();
  readonly #tablesByPhrase = new Map<string, Set<string>>();
  #tableCount = 0;
  readonly #values = new Set<string>();

  constructor(options: ColumnValueIndexOptions) {
    const { columns } = parseOptions(columnsSchema, options, "ColumnValueIndex options");
    const tables = new Set<string>();
    for (const c of columns) {
      tables.add(c.table);
      for (const value of c.values) {
        const w = words(value);
        if (w.length === 0 || w.length > MAX_VALUE_WORDS) continue;
        // A lone short word or number ("1", "ok", "yes") would match nearly any question.
        if (w.length === 1 && ((w[0] as string).length < 3 || WEAK.has(w[0] as string))) continue;
        if (w.every((x) => /^\d+$/.test(x))) continue;
        const keys = w.map(key);
        this.#values.add(keys.join(" "));
        this.#add(keys.join(" "), { table: c.table, column: c.column, value, share: 1 });
        // Its distinctive parts too ("JetBlue" of "JetBlue Airways"), weighed by how much of
        // the value they are: people often name a value by part of it.
        for (let n = 1; n < w.length; n++) {
          for (let i = 0; i + n <= w.length; i++) {
            if (!w.slice(i, i + n).some(distinctive)) continue;
            this.#add(keys.slice(i, i + n).join(" "), {
              table: c.table,
              column: c.column,
              value,
              share: n / w.length,
            });
          }
        }
      }
    }
    this.#tableCount = tables.size;
  }

  /** Adds one phrase of a column, unless the column already has it (as well or better). */
  #add(phrase: string, entry: Entry): void {
    const list = this.#byPhrase.get(phrase) ?? [];
    const at = list.findIndex((e) => e.table === entry.table && e.column === entry.column);
    if (at >= 0 && (list[at] as Entry).share >= entry.share) return;
    if (at >= 0) list[at] = entry;
    else list.push(entry);
    this.#byPhrase.set(phrase, list);
    const set = this.#tablesByPhrase.get(phrase) ?? new Set<string>();
    set.add(entry.table);
    this.#tablesByPhrase.set(phrase, set);
  }

  /** How many distinct values are indexed (compared as they are matched: case and plurals aside). */
  get size(): number {
    return this.#values.size;
  }

  /** The columns whose sampled values occur in `question` (whole or in part), strongest first. */
  match(question: string): ValueMatch[] {
    const raw = rawWords(question);
    const w = raw.map(key);
    const proper = raw.map((x, i) => i > 0 && /^\p{Lu}/u.test(x));
    const out: ValueMatch[] = [];
    for (let i = 0; i < w.length; i++) {
      for (let n = 1; n <= MAX_VALUE_WORDS && i + n <= w.length; n++) {
        const phrase = w.slice(i, i + n).join(" ");
        const hits = this.#byPhrase.get(phrase);
        if (!hits) continue;
        const holders = this.#tablesByPhrase.get(phrase)?.size ?? 1;
        const idf = Math.log(1 + this.#tableCount / holders);
        const named = proper.slice(i, i + n).every(Boolean);
        for (const { share, ...h } of hits) {
          if (share < 1 && !named) continue;
          const part = share === 1 ? 1 : PART_WEIGHT * share;
          out.push({ ...h, score: idf * (1 + 0.5 * (n - 1)) * part });
        }
      }
    }
    return out.sort((a, b) => b.score - a.score);
  }
}

/** One indexed phrase of a column: a whole value (`share` 1) or the part of one it covers. */
interface Entry {
  table: string;
  column: string;
  value: string;
  share: number;
}

/** What a part of a value counts for, times the share of the value it is. */
const PART_WEIGHT = 0.8;

/** Whether a word can identify a value on its own: not a number, a filler or a short word. */
function distinctive(word: string): boolean {
  return word.length >= 4 && !WEAK.has(word) && !/^\d+$/.test(word);
}

/** Options of {@link sampleColumnValues}. */
export interface SampleColumnValuesOptions extends WaitOptions {
  /** Distinct values read per column. Default 50. */
  valuesPerColumn?: number;
  /** Most columns sampled in all (one query each): the budget. Default 2000. */
  maxColumns?: number;
  /** Which columns to sample. Default: text columns (`varchar`, `string`, `char`, `text`). */
  include?: (table: TableSchema, column: string, type: string) => boolean;
}

const TEXT_TYPE = /^(varchar|string|char|text|character varying)\b/i;
const quote = (name: string) => `"${name.replace(/"/g, '""')}"`;

/** The outcome of sampling: the index, and the columns that could not be read (with why). */
export interface SampledValues {
  /** The index over what was read. */
  index: ColumnValueIndex;
  /** The sampled columns, for caching (`new ColumnValueIndex({ columns })` rebuilds the index). */
  columns: SampledColumn[];
  /** Columns skipped because their query failed, as `db.table.column: message`. */
  failures: string[];
  /** Columns left out because `maxColumns` was reached. */
  skipped: number;
}

/**
 * Reads distinct values of text columns through the engine's ordinary read-only path
 * (`SELECT DISTINCT "col" FROM "db"."table" WHERE "col" IS NOT NULL LIMIT n`), one query per
 * column up to `maxColumns`. Opt-in and bounded: on Athena each query is billed by the bytes it
 * scans, so choose the columns with `include` (names, cities, categories) and keep the budget
 * small there; on DuckDB it takes milliseconds. A column whose query fails is skipped and listed.
 *
 * @example
 * ```ts
 * const { index } = await sampleColumnValues(engine, await catalog.listTables(), { valuesPerColumn: 100 });
 * const ranker = new SchemaRanker({ tables, values: index });
 * ```
 */
export async function sampleColumnValues(
  engine: SqlEngine,
  tables: readonly TableSchema[],
  options: SampleColumnValuesOptions = {},
): Promise<SampledValues> {
  const perColumn = Math.max(1, Math.floor(options.valuesPerColumn ?? 50));
  const maxColumns = Math.max(0, Math.floor(options.maxColumns ?? 2000));
  const include = options.include ?? ((_t, _c, type: string) => TEXT_TYPE.test(type));
  const columns: SampledColumn[] = [];
  const failures: string[] = [];
  let used = 0;
  let skipped = 0;
  for (const table of tables) {
    const from = table.database
      ? `${quote(table.database)}.${quote(table.name)}`
      : quote(table.name);
    const name = table.database ? `${table.database}.${table.name}` : table.name;
    for (const col of [...table.columns, ...(table.partitionKeys ?? [])]) {
      if (!include(table, col.name, col.type)) continue;
      if (used >= maxColumns) {
        skipped++;
        continue;
      }
      used++;
      options.signal?.throwIfAborted();
      const sql = `SELECT DISTINCT ${quote(col.name)} AS v FROM ${from} WHERE ${quote(col.name)} IS NOT NULL LIMIT ${perColumn}`;
      try {
        const result = await engine.execute(sql, {
          maxRows: perColumn,
          ...(options.signal ? { signal: options.signal } : {}),
          ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
        });
        const values = result.rows
          .map((r) => r.v)
          .filter((v): v is string => typeof v === "string" && v.length > 0 && v.length <= 80);
        columns.push({ table: name, column: col.name, values });
      } catch (err) {
        if (options.signal?.aborted) throw err;
        failures.push(`${name}.${col.name}: ${String((err as Error)?.message).slice(0, 200)}`);
      }
    }
  }
  return { index: new ColumnValueIndex({ columns }), columns, failures, skipped };
}
