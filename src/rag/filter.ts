/**
 * One metadata filter language for every backend. The embedded stores evaluate it in memory;
 * OpenSearch, Bedrock Knowledge Bases and Kendra translate the same parsed tree into their own
 * filter syntax, so a filter means the same thing whatever the retriever.
 *
 * @module
 */
import { ValidationError } from "../core/index.js";
import type { Metadata, MetadataValue } from "./types.js";

/** A scalar a filter compares against. */
export type FilterScalar = string | number | boolean;

/** Operators on one field. Several operators on one field must all hold. */
export interface FieldCondition {
  /** Equal (an array field matches when any element is equal). */
  $eq?: FilterScalar;
  /** Not equal (an array field matches when no element is equal; a missing field matches). */
  $ne?: FilterScalar;
  /** Equal to one of these. */
  $in?: readonly FilterScalar[];
  /** Equal to none of these (a missing field matches). */
  $nin?: readonly FilterScalar[];
  /** Greater than (numbers with numbers, strings with strings). */
  $gt?: number | string;
  /** Greater than or equal. */
  $gte?: number | string;
  /** Less than. */
  $lt?: number | string;
  /** Less than or equal. */
  $lte?: number | string;
  /** `true`: the field is present and not null; `false`: it is absent or null. */
  $exists?: boolean;
}

/**
 * A metadata filter: `{ field: value }` means equality, `{ field: { $gte: 3 } }` applies
 * operators, and `$and` / `$or` / `$not` combine filters. Fields listed side by side must all
 * match.
 *
 * @example
 * ```ts
 * const filter: MetadataFilter = {
 *   lang: "en",
 *   year: { $gte: 2020 },
 *   $or: [{ team: "search" }, { tags: { $in: ["rag", "retrieval"] } }],
 * };
 * ```
 */
export interface MetadataFilter {
  /** Every filter must match. */
  $and?: readonly MetadataFilter[];
  /** At least one filter must match. */
  $or?: readonly MetadataFilter[];
  /** The filter must not match. */
  $not?: MetadataFilter;
  /** A field: a scalar for equality, or a {@link FieldCondition}. */
  [field: string]:
    | FilterScalar
    | FieldCondition
    | readonly MetadataFilter[]
    | MetadataFilter
    | undefined;
}

/** A comparison operator of the parsed tree. */
export type CompareOp = "eq" | "ne" | "gt" | "gte" | "lt" | "lte";

/** The parsed, validated form of a {@link MetadataFilter} that backends translate. */
export type FilterNode =
  | {
      /** `and`: every child must match; `or`: at least one must. */
      op: "and" | "or";
      /** The combined filters. */
      children: FilterNode[];
    }
  | {
      /** Negation. */
      op: "not";
      /** The filter that must not match. */
      child: FilterNode;
    }
  | {
      /** The comparison; on an array field, true when any element compares true (`ne`: none equal). */
      op: CompareOp;
      /** The metadata key compared. */
      field: string;
      /** The value compared against. */
      value: FilterScalar;
    }
  | {
      /** `in`: equal to one of `values`; `nin`: equal to none of them (a missing field matches). */
      op: "in" | "nin";
      /** The metadata key tested. */
      field: string;
      /** The candidate values. */
      values: FilterScalar[];
    }
  | {
      /** Presence test. */
      op: "exists";
      /** The metadata key tested. */
      field: string;
      /** `true`: present and not null; `false`: absent or null. */
      value: boolean;
    };

const OPERATORS = new Set(["$eq", "$ne", "$in", "$nin", "$gt", "$gte", "$lt", "$lte", "$exists"]);

function fail(path: string, message: string): never {
  throw new ValidationError(
    `Invalid metadata filter at "${path || "(root)"}": ${message}. See MetadataFilter for the syntax.`,
    [{ path: path ? `filter.${path}` : "filter", message }],
  );
}

function isScalar(v: unknown): v is FilterScalar {
  return (
    typeof v === "string" || typeof v === "boolean" || (typeof v === "number" && Number.isFinite(v))
  );
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function parseField(field: string, value: unknown, path: string): FilterNode {
  if (isScalar(value)) return { op: "eq", field, value };
  if (!isPlainObject(value))
    fail(path, "a field takes a string, number, boolean or operator object");
  const nodes: FilterNode[] = [];
  for (const [key, arg] of Object.entries(value)) {
    if (arg === undefined) continue;
    const at = `${path}.${key}`;
    if (!OPERATORS.has(key)) fail(at, `unknown operator "${key}"`);
    if (key === "$in" || key === "$nin") {
      if (!Array.isArray(arg) || !arg.every(isScalar)) fail(at, "takes an array of scalars");
      nodes.push({ op: key === "$in" ? "in" : "nin", field, values: [...arg] });
    } else if (key === "$exists") {
      if (typeof arg !== "boolean") fail(at, "takes true or false");
      nodes.push({ op: "exists", field, value: arg });
    } else if (key === "$gt" || key === "$gte" || key === "$lt" || key === "$lte") {
      if (!(typeof arg === "string" || (typeof arg === "number" && Number.isFinite(arg))))
        fail(at, "takes a finite number or a string");
      nodes.push({ op: key.slice(1) as CompareOp, field, value: arg });
    } else {
      if (!isScalar(arg)) fail(at, "takes a string, finite number or boolean");
      nodes.push({ op: key.slice(1) as CompareOp, field, value: arg });
    }
  }
  if (nodes.length === 0) fail(path, "an operator object needs at least one operator");
  return nodes.length === 1 ? (nodes[0] as FilterNode) : { op: "and", children: nodes };
}

function parseAt(filter: unknown, path: string): FilterNode {
  if (!isPlainObject(filter)) fail(path, "a filter must be an object");
  const nodes: FilterNode[] = [];
  for (const [key, value] of Object.entries(filter)) {
    if (value === undefined) continue;
    const at = path ? `${path}.${key}` : key;
    if (key === "$and" || key === "$or") {
      if (!Array.isArray(value) || value.length === 0)
        fail(at, "takes a non-empty array of filters");
      nodes.push({
        op: key === "$and" ? "and" : "or",
        children: value.map((f, i) => parseAt(f, `${at}.${i}`)),
      });
    } else if (key === "$not") {
      nodes.push({ op: "not", child: parseAt(value, at) });
    } else if (key.startsWith("$")) {
      fail(at, `unknown operator "${key}" (fields may not start with "$")`);
    } else if (key.length === 0) {
      fail(at, "field names may not be empty");
    } else {
      nodes.push(parseField(key, value, at));
    }
  }
  if (nodes.length === 1) return nodes[0] as FilterNode;
  return { op: "and", children: nodes };
}

/**
 * Parses and validates a filter into a {@link FilterNode} tree, or throws a `VALIDATION_ERROR`
 * naming the offending path. An empty filter `{}` becomes an empty `and`, which matches
 * everything.
 */
export function parseFilter(filter: MetadataFilter): FilterNode {
  return parseAt(filter, "");
}

function compare(a: MetadataValue | undefined, op: CompareOp, b: FilterScalar): boolean {
  if (a === undefined || a === null) return op === "ne";
  if (Array.isArray(a)) {
    return op === "ne" ? a.every((x) => !compare(x, "eq", b)) : a.some((x) => compare(x, op, b));
  }
  switch (op) {
    case "eq":
      return a === b;
    case "ne":
      return a !== b;
    default: {
      // Ordering only between values of the same type; anything else does not match.
      if (typeof a !== typeof b || typeof a === "boolean") return false;
      const x = a as number | string;
      const y = b as number | string;
      if (op === "gt") return x > y;
      if (op === "gte") return x >= y;
      if (op === "lt") return x < y;
      return x <= y;
    }
  }
}

/**
 * A field's own value. Inherited names (`constructor`, `toString`) are not fields: reading them
 * with `metadata[field]` would make `{ constructor: { $exists: true } }` match every document
 * tested one by one, while the metadata index, which holds own fields only, matches none.
 */
function fieldOf(metadata: Metadata, field: string): Metadata[string] {
  return Object.hasOwn(metadata, field) ? metadata[field] : undefined;
}

/** Evaluates a parsed filter against one metadata object. */
export function evaluateFilter(node: FilterNode, metadata: Metadata): boolean {
  switch (node.op) {
    case "and":
      return node.children.every((c) => evaluateFilter(c, metadata));
    case "or":
      return node.children.some((c) => evaluateFilter(c, metadata));
    case "not":
      return !evaluateFilter(node.child, metadata);
    case "in":
      return node.values.some((v) => compare(fieldOf(metadata, node.field), "eq", v));
    case "nin":
      return node.values.every((v) => !compare(fieldOf(metadata, node.field), "eq", v));
    case "exists": {
      const v = fieldOf(metadata, node.field);
      return (v !== undefined && v !== null) === node.value;
    }
    default:
      return compare(fieldOf(metadata, node.field), node.op, node.value);
  }
}

/**
 * Compiles a filter into a predicate over metadata (validating it once), or returns `undefined`
 * when there is no filter.
 *
 * @example
 * ```ts
 * const match = compileFilter({ year: { $gte: 2020 } });
 * match?.({ year: 2021 }); // true
 * ```
 */
export function compileFilter(
  filter: MetadataFilter | undefined,
): ((metadata: Metadata) => boolean) | undefined {
  if (filter === undefined) return undefined;
  const node = parseFilter(filter);
  if (node.op === "and" && node.children.length === 0) return undefined;
  return (metadata) => evaluateFilter(node, metadata);
}
