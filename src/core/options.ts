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
 * A zod schema whose parsed value has the options type `T`, as `schemaFor` returns it:
 * {@link parseOptions} then returns `T` itself, so no call site casts its result.
 */
export type SchemaFor<T> = z.ZodType<T>;

/** True when `A` and `B` are the same type, not merely assignable to each other. */
type Same<A, B> =
  (<G>() => G extends A ? 1 : 2) extends <G>() => G extends B ? 1 : 2 ? true : false;

/** Every key of every member of a union (`keyof` alone keeps only the shared ones). */
type KeysOf<X> = X extends unknown ? keyof X : never;

/** `X[K]` across the members of a union that have `K`. */
type PropOf<X, K extends PropertyKey> = X extends unknown
  ? K extends keyof X
    ? X[K]
    : never
  : never;

/**
 * The plain-object members of `X`: arrays, functions and primitives left out, branded primitives
 * too (`string & {}`, the idiom that keeps editor suggestions for a union of literals open).
 */
type ObjectPart<X> = X extends string | number | bigint | boolean | symbol
  ? never
  : X extends readonly unknown[]
    ? never
    : X extends (...args: never[]) => unknown
      ? never
      : X extends object
        ? X
        : never;

/**
 * The keys of `X` whose values are functions that must be present: an injected object (an AWS
 * client, a model, a retriever, a `Uint8Array`) has some, a plain options object has none (its
 * callbacks are optional).
 */
type RequiredMethods<X> = {
  [K in keyof X]-?: Partial<Pick<X, K>> extends Pick<X, K>
    ? never
    : X[K] extends (...args: never[]) => unknown
      ? K
      : never;
}[keyof X];

/**
 * True for an injected object rather than nested options: its keys are the implementation's
 * business, so only assignability is checked there.
 */
type IsInjected<X> = [RequiredMethods<X>] extends [never] ? false : true;

/** The element type of the array members of `X`. */
type ElementPart<X> = X extends readonly (infer E)[] ? E : never;

type JoinPath<P extends string, K extends string> = P extends "" ? K : `${P}.${K}`;

/**
 * "out": the schema's parsed value must be assignable to the options type (what the class reads
 * is what its type promises). "in": the options type must be assignable to the schema's input
 * (every value the type allows has a shape the schema accepts; refinements aside).
 */
type Direction = "out" | "in";

type Fits<T, S, D extends Direction> = D extends "out"
  ? [S] extends [T]
    ? true
    : false
  : [T] extends [S]
    ? true
    : false;

type Mismatch<P extends string, D extends Direction> = D extends "out"
  ? `${P}: the parsed value does not fit the options type`
  : `${P}: the schema refuses what the options type allows`;

/**
 * Where options type `T` and schema type `S` (the schema's output or input) disagree, as a union
 * of messages naming each dotted path: a key only one side has, or a field whose types do not fit
 * in direction `D`. Walks into nested objects and array elements up to a fixed depth; stops where
 * both sides are the same type (an injected client typed by `z.custom<T>()`).
 */
type Disagreements<
  T,
  S,
  D extends Direction,
  P extends string,
  Depth extends unknown[],
> = Depth["length"] extends 6
  ? never
  : Same<T, S> extends true
    ? never
    : ObjectDisagreements<ObjectPart<T>, ObjectPart<S>, D, P, Depth> extends infer Inner
      ? [Inner] extends [never]
        ? Fits<T, S, D> extends true
          ? ElementDisagreements<ElementPart<T>, ElementPart<S>, D, P, Depth>
          : Mismatch<P extends "" ? "(whole value)" : P, D>
        : Inner
      : never;

type ElementDisagreements<T, S, D extends Direction, P extends string, Depth extends unknown[]> = [
  T,
] extends [never]
  ? never
  : [S] extends [never]
    ? never
    : Disagreements<T, S, D, `${P}[]`, [...Depth, 0]>;

type ObjectDisagreements<T, S, D extends Direction, P extends string, Depth extends unknown[]> = [
  T,
] extends [never]
  ? never
  : [S] extends [never]
    ? never
    : string extends KeysOf<T> | KeysOf<S>
      ? never
      : Depth extends [unknown, ...unknown[]]
        ? IsInjected<T> | IsInjected<S> extends false
          ? PlainObjectDisagreements<T, S, D, P, Depth>
          : never
        : PlainObjectDisagreements<T, S, D, P, Depth>;

type PlainObjectDisagreements<
  T,
  S,
  D extends Direction,
  P extends string,
  Depth extends unknown[],
> =
  | `${JoinPath<P, Exclude<KeysOf<T>, KeysOf<S>> & string>}: in the options type, not in the schema`
  | `${JoinPath<P, Exclude<KeysOf<S>, KeysOf<T>> & string>}: in the schema, not in the options type`
  | {
      [K in KeysOf<T> & KeysOf<S> & string]: Disagreements<
        PropOf<T, K>,
        PropOf<S, K>,
        D,
        JoinPath<P, K>,
        [...Depth, 0]
      >;
    }[KeysOf<T> & KeysOf<S> & string];

/** Every disagreement between options type `T` and schema `S`, in both directions. */
type SchemaDisagreements<T, S extends z.ZodType> =
  | Disagreements<T, z.output<S>, "out", "", []>
  | Disagreements<T, z.input<S>, "in", "", []>;

/**
 * `schemaFor`'s check: `unknown` (no constraint) when schema `S` and options type `T`
 * agree, otherwise an object type whose one property lists every disagreement, so that the
 * compile error at the schema names them.
 */
export type SchemaCheck<T, S extends z.ZodType> =
  // Rebuilding the union as a template literal makes the compiler print the messages rather
  // than the alias's name.
  [`${SchemaDisagreements<T, S> & string}`] extends [infer Found]
    ? [Found] extends [never]
      ? unknown
      : {
          /** Never set: its type lists where the schema and the options type disagree. */
          "schema and options type disagree": Found;
        }
    : never;

/**
 * Binds a zod schema to the options type it validates, checked at compile time in both
 * directions: the two must have the same keys (nested objects and array elements included), the
 * schema's parsed value must be assignable to the type, and the type must be assignable to what
 * the schema accepts. {@link parseOptions} then returns `T`, so call sites need no cast. The
 * schema itself is returned unchanged; a disagreement is a compile error naming each path.
 *
 * Curried so that `T` is given and the schema's type inferred: `schemaFor<T>()(schema)`.
 *
 * @example
 * ```ts
 * interface ThingOptions { endpointName: string; timeoutMs?: number }
 * const optionsSchema = schemaFor<ThingOptions>()(
 *   z.object({ endpointName: z.string().min(1), timeoutMs: z.int().positive().optional() }).strict(),
 * );
 * const options = parseOptions(optionsSchema, input, "Thing options"); // ThingOptions
 * ```
 */
export function schemaFor<T>(): <S extends z.ZodType>(
  schema: S & SchemaCheck<T, S>,
) => SchemaFor<T> {
  // The check above is the proof this assertion rests on: a zod schema's type is covariant in
  // its output, and the output was just shown to be assignable to T.
  return (schema) => schema as unknown as SchemaFor<T>;
}

/**
 * Parses `value` with `schema`, or throws a {@link ValidationError} naming every offending field.
 * `subject` starts the message, e.g. `"BedrockChatModel options"`.
 *
 * Schemas are strict (`z.object({...}).strict()`), so a mistyped key is refused rather than
 * ignored; the error names the key and the closest known key, e.g.
 * "unknown option `idleTimeout`; did you mean `idleTimeoutMs`?".
 *
 * With a schema bound to its options type by `schemaFor`, the result has that type; with
 * any other schema, the schema's output type.
 *
 * @example
 * ```ts
 * const options = parseOptions(optionsSchema, input, "AsyncEndpoint options");
 * ```
 */
export function parseOptions<S extends z.ZodType>(
  schema: S,
  value: unknown,
  subject: string,
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
  throw new ValidationError(`Invalid ${subject}: ${sentence(listed)}`, issues, {
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
