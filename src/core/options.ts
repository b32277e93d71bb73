/**
 * Option validation shared by every class: one strict zod schema per options object, and one
 * error format that names each offending field, and for a key the schema does not know, the
 * closest key it does know.
 *
 * @module
 */
import type { z } from "zod";
import { ValidationError, type ValidationIssue } from "./errors.js";
import { closestMatch } from "./suggest.js";

/**
 * The keys that one object type has and the other lacks; `never` when both have the same keys.
 * Used to keep a documented options interface and its zod schema from drifting apart.
 *
 * @example
 * ```ts
 * type Drift = OptionKeyDrift<{ a?: number; b: string }, { a?: number }>; // "b"
 * ```
 */
export type OptionKeyDrift<A, B> = Exclude<keyof A, keyof B> | Exclude<keyof B, keyof A>;

/**
 * `parseOptions`'s `subject` parameter: a plain string when the value's declared type has the
 * same keys as the object schema's input, otherwise an object type whose only property names the
 * keys that differ, so that a compile error at the call site says what drifted. Nothing is
 * compared when the schema is not an object schema (a custom check, an array, a union) or when
 * either side has no fixed keys (a value typed `unknown`, a record, a loose object).
 */
export type CheckedSubject<V, S extends z.ZodType> = unknown extends V
  ? string
  : S extends z.ZodObject
    ? string extends keyof NonNullable<V> | keyof NonNullable<z.input<S>>
      ? string
      : [OptionKeyDrift<NonNullable<V>, NonNullable<z.input<S>>>] extends [never]
        ? string
        : {
            /**
             * Never set: its type names the keys found in only one of the options type and
             * the schema, so the compile error at the call site lists them.
             */
            "options type and schema have different keys": OptionKeyDrift<
              NonNullable<V>,
              NonNullable<z.input<S>>
            >;
          }
    : string;

/**
 * Parses `value` with `schema`, or throws a {@link ValidationError} naming every offending field.
 * `subject` starts the message, e.g. `"BedrockChatModel options"`.
 *
 * Schemas are strict (`z.object({...}).strict()`), so a mistyped key is refused rather than
 * ignored; the error names the key and the closest known key, e.g.
 * "unknown option `idleTimeout`; did you mean `idleTimeoutMs`?".
 *
 * At compile time, when `value` has a declared options type, its keys must be the schema's keys:
 * an option documented but not validated (or validated but not documented) fails to type-check.
 *
 * @example
 * ```ts
 * const options = parseOptions(optionsSchema, input, "AsyncEndpoint options");
 * ```
 */
export function parseOptions<S extends z.ZodType, V>(
  schema: S,
  value: V,
  subject: CheckedSubject<V, S>,
): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issues: ValidationIssue[] = [];
  const listed: string[] = [];
  for (const issue of result.error.issues) {
    const path = issue.path.map(String);
    if (issue.code === "unrecognized_keys") {
      const known = knownKeysAt(schema, path);
      for (const key of issue.keys) {
        const issueText = unknownKeyMessage([...path, key], known);
        issues.push({ path: [...path, key].join("."), message: issueText });
        listed.push(issueText);
      }
      continue;
    }
    const joined = path.join(".");
    issues.push({ path: joined, message: issue.message });
    listed.push(joined ? `${joined}: ${issue.message}` : issue.message);
  }
  throw new ValidationError(`Invalid ${subject as string}: ${sentence(listed)}`, issues, {
    cause: result.error,
  });
}

/**
 * For options checked by hand rather than by a schema: throws a {@link ValidationError} when
 * `value` has a key that `known` lacks, naming it and the closest known key. `known` lists every
 * key of the options type; typing it `Record<keyof Options, true>` makes the compiler insist that
 * the list and the interface agree.
 *
 * @example
 * ```ts
 * const KNOWN: Record<keyof JsonlSinkOptions, true> = { output: true };
 * rejectUnknownOptions(options, KNOWN, "JsonlSink options");
 * ```
 */
export function rejectUnknownOptions(
  value: unknown,
  known: Readonly<Record<string, true>>,
  subject: string,
): void {
  if (typeof value !== "object" || value === null) return;
  const knownKeys = Object.keys(known);
  const unknown = Object.keys(value).filter((key) => !Object.hasOwn(known, key));
  if (unknown.length === 0) return;
  const issues = unknown.map((key) => ({
    path: key,
    message: unknownKeyMessage([key], knownKeys),
  }));
  throw new ValidationError(
    `Invalid ${subject}: ${sentence(issues.map((i) => i.message))}`,
    issues,
  );
}

/** Joins problems into one sentence, with a full stop unless the last one asks a question. */
function sentence(parts: readonly string[]): string {
  const text = parts.join("; ");
  return text.endsWith("?") ? text : `${text}.`;
}

function unknownKeyMessage(path: readonly string[], known: readonly string[]): string {
  const key = path[path.length - 1] as string;
  const parent = path.slice(0, -1);
  const full = (name: string) => [...parent, name].join(".");
  const closest = closestMatch(key, known);
  if (closest !== undefined)
    return `unknown option \`${full(key)}\`; did you mean \`${full(closest)}\`?`;
  if (known.length === 0) return `unknown option \`${full(key)}\`; this object takes no options`;
  if (known.length <= 12) {
    return `unknown option \`${full(key)}\`; known options: ${known.map((k) => `\`${k}\``).join(", ")}`;
  }
  return `unknown option \`${full(key)}\`; see the options type's documentation for the known keys`;
}

/** The parts of a zod 4 schema definition that lead from a schema to the schemas inside it. */
interface SchemaDef {
  type: string;
  shape?: Record<string, unknown>;
  innerType?: unknown;
  in?: unknown;
  options?: readonly unknown[];
  left?: unknown;
  right?: unknown;
  element?: unknown;
  valueType?: unknown;
  items?: readonly unknown[];
  getter?: () => unknown;
}

function defOf(schema: unknown): SchemaDef | undefined {
  return (schema as { _zod?: { def?: SchemaDef } } | undefined)?._zod?.def;
}

/**
 * The schemas a wrapper stands for (optional, nullable, default, lazy, pipe, union members,
 * intersection sides, ...); empty for any other kind of schema. Both walks below look through
 * wrappers this one way.
 */
function wrappedSchemas(def: SchemaDef): unknown[] {
  switch (def.type) {
    case "optional":
    case "nullable":
    case "default":
    case "prefault":
    case "catch":
    case "readonly":
    case "nonoptional":
      return [def.innerType];
    case "lazy":
      return def.getter ? [def.getter()] : [];
    case "pipe":
      return [def.in];
    case "union":
      return [...(def.options ?? [])];
    case "intersection":
      return [def.left, def.right];
    default:
      return [];
  }
}

/** The object schemas `schema` may stand for, looking through wrappers, pipes, unions and intersections. */
function objectSchemas(schema: unknown, depth = 0): SchemaDef[] {
  const def = defOf(schema);
  if (def === undefined || depth > 20) return [];
  if (def.type === "object") return [def];
  return wrappedSchemas(def).flatMap((inner) => objectSchemas(inner, depth + 1));
}

/** The schemas a path segment leads to from `schema` (any of them may hold the value). */
function childSchemas(schema: unknown, segment: string, depth = 0): unknown[] {
  const def = defOf(schema);
  if (def === undefined || depth > 20) return [];
  switch (def.type) {
    case "object":
      return def.shape && Object.hasOwn(def.shape, segment) ? [def.shape[segment]] : [];
    case "array":
      return [def.element];
    case "record":
      return [def.valueType];
    case "tuple":
      return def.items?.[Number(segment)] === undefined ? [] : [def.items[Number(segment)]];
    default:
      return wrappedSchemas(def).flatMap((inner) => childSchemas(inner, segment, depth + 1));
  }
}

/** The keys the object schema at `path` knows, in declaration order (all union members merged). */
function knownKeysAt(schema: z.ZodType, path: readonly string[]): string[] {
  let current: unknown[] = [schema];
  for (const segment of path) current = current.flatMap((s) => childSchemas(s, segment));
  const keys = new Set<string>();
  for (const s of current) {
    for (const def of objectSchemas(s))
      for (const key of Object.keys(def.shape ?? {})) keys.add(key);
  }
  return [...keys];
}
