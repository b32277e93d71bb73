/**
 * Turning file and folder paths into {@link DuckDbEngine} tables (Node only: reads the file system).
 *
 * @module
 */
import { readdirSync, statSync } from "node:fs";
import { basename, join } from "node:path";
import { ValidationError } from "../core/index.js";

const DATA_FILE = /\.(csv|tsv|parquet|json|jsonl|ndjson)(\.gz)?$/i;

/**
 * Maps files (and the data files directly inside folders) to table names: the file name without
 * its extensions, lower-cased, with other characters replaced by `_` (`Order Items.csv` ->
 * `order_items`).
 *
 * @example
 * ```ts
 * const engine = new DuckDbEngine({ tables: tablesFromPaths(["examples/data"]) });
 * ```
 */
export function tablesFromPaths(paths: readonly string[]): Record<string, string> {
  const tables: Record<string, string> = {};
  const add = (file: string) => {
    const name = basename(file)
      .replace(DATA_FILE, "")
      .toLowerCase()
      .replace(/[^a-z0-9_]+/g, "_")
      .replace(/^(\d)/, "t_$1");
    if (tables[name] && tables[name] !== file) {
      throw new ValidationError(
        `Two files map to the table name "${name}": ${tables[name]} and ${file}. Rename one.`,
        [{ path: "data", message: "duplicate table name" }],
      );
    }
    tables[name] = file;
  };
  for (const path of paths) {
    let isDir: boolean;
    try {
      isDir = statSync(path).isDirectory();
    } catch {
      throw new ValidationError(
        `"${path}" does not exist. Give CSV, Parquet or JSON files, or folders holding them.`,
        [{ path: "data", message: "not found" }],
      );
    }
    if (isDir) {
      for (const entry of readdirSync(path).sort())
        if (DATA_FILE.test(entry)) add(join(path, entry));
    } else if (DATA_FILE.test(path)) {
      add(path);
    } else {
      throw new ValidationError(`"${path}" is not a CSV, Parquet or JSON file.`, [
        { path: "data", message: "unknown format" },
      ]);
    }
  }
  if (Object.keys(tables).length === 0) {
    throw new ValidationError("No CSV, Parquet or JSON files were found in the given paths.", [
      { path: "data", message: "no data files" },
    ]);
  }
  return tables;
}
