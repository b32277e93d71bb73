/**
 * Reads event-stream unions from the schema objects an AWS SDK client package exports, and checks
 * decoded event-stream messages against them: which event and exception names exist, which
 * headers each message carries, where the payload goes and which members it may have.
 *
 * The schema format is the compact one of `@smithy/core/schema`: a schema is a number (a simple
 * type), a function returning a schema (lazy), or an array `[kind, namespace, name, traits, ...]`
 * with kind 0 simple, 1 list, 2 map, 3 structure, -3 error, 4 union; a member entry is either a
 * schema or `[schema, memberTraits]`.
 *
 * @module
 */
import { EventStreamCodec, type Message } from "@smithy/eventstream-codec";
import { fromUtf8, toUtf8 } from "@smithy/util-utf8";

type Traits = Record<string, unknown> | number;

/** A schema with its lazy references and member wrapper removed. */
interface Resolved {
  /** A simple type's number, or a static schema array. */
  schema: number | string | unknown[];
  /** The member's own traits (e.g. `eventPayload`) merged over the target's. */
  traits: Record<string, unknown>;
}

function traitObject(traits: Traits | undefined): Record<string, unknown> {
  return typeof traits === "object" && traits !== null ? traits : {};
}

function deref(ref: unknown): unknown {
  return typeof ref === "function" ? (ref as () => unknown)() : ref;
}

/** Resolves a member entry or schema reference to its target. */
export function resolve(entry: unknown): Resolved {
  let ref = deref(entry);
  let traits: Record<string, unknown> = {};
  // A member wrapper is a two-element array; static schemas have at least five elements.
  while (Array.isArray(ref) && ref.length === 2) {
    traits = { ...traitObject(ref[1] as Traits), ...traits };
    ref = deref(ref[0]);
  }
  if (Array.isArray(ref) && ref[0] === 0) {
    // A named simple schema: `[0, namespace, name, traits, simpleType]`.
    return { schema: ref[4] as number, traits: { ...traitObject(ref[3] as Traits), ...traits } };
  }
  if (Array.isArray(ref))
    return { schema: ref, traits: { ...traitObject(ref[3] as Traits), ...traits } };
  return { schema: ref as number | string, traits };
}

/** A structure, error or union: its kind, name and members. */
export interface Shape {
  kind: 3 | -3 | 4;
  name: string;
  members: Map<string, unknown>;
}

/** The structure, error or union a resolved schema is, or `undefined` for anything else. */
export function asShape(resolved: Resolved): Shape | undefined {
  const sc = resolved.schema;
  if (!Array.isArray(sc) || (sc[0] !== 3 && sc[0] !== -3 && sc[0] !== 4)) return undefined;
  const names = sc[4] as string[];
  const schemas = sc[5] as unknown[];
  return {
    kind: sc[0] as 3 | -3 | 4,
    name: sc[2] as string,
    members: new Map(names.map((name, i) => [name, schemas[i]])),
  };
}

/** An event-stream union exported by an SDK client package, e.g. `ResponseStream$`. */
export async function eventStreamUnion(client: string, exportName: string): Promise<Shape> {
  const sdk = (await import(`@aws-sdk/client-${client}`)) as Record<string, unknown>;
  const resolved = resolve(sdk[exportName]);
  const shape = asShape(resolved);
  if (shape?.kind !== 4 || !resolved.traits.streaming) {
    throw new Error(`@aws-sdk/client-${client} exports no event-stream union ${exportName}`);
  }
  return shape;
}

/**
 * Problems of a JSON value against a schema: member names the schema does not define, unions
 * with other than one member set, and values of the wrong JSON type. Empty when it conforms.
 */
export function jsonProblems(entry: unknown, value: unknown, path: string): string[] {
  const resolved = resolve(entry);
  const sc = resolved.schema;
  const shape = asShape(resolved);
  if (shape) {
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      return [`${path}: ${shape.name} must be an object`];
    }
    const problems: string[] = [];
    const keys = Object.keys(value);
    if (shape.kind === 4 && keys.length !== 1) {
      problems.push(
        `${path}: union ${shape.name} must have exactly one member, has ${keys.length}`,
      );
    }
    for (const key of keys) {
      const member = shape.members.get(key);
      if (member === undefined) {
        problems.push(`${path}.${key}: ${shape.name} has no member ${key}`);
        continue;
      }
      problems.push(
        ...jsonProblems(member, (value as Record<string, unknown>)[key], `${path}.${key}`),
      );
    }
    return problems;
  }
  if (Array.isArray(sc)) {
    if (sc[0] === 1) return listProblems(sc[4], value, path);
    if (sc[0] === 2) return mapProblems(sc[5], value, path);
    return [`${path}: unknown schema kind ${String(sc[0])}`];
  }
  if (typeof sc !== "number") return []; // "unit": nothing to check.
  if (sc >= 128) return mapProblems(sc & 63, value, path);
  if (sc >= 64) return listProblems(sc & 63, value, path);
  const expected =
    sc === 0 || sc === 21 || sc === 42
      ? "string" // strings; blobs are base64 text in JSON
      : sc === 1
        ? "number"
        : sc === 2
          ? "boolean"
          : sc >= 4 && sc <= 7
            ? "string|number" // timestamps
            : sc === 17 || sc === 19
              ? "string|number"
              : undefined; // 15 document: anything
  if (expected === undefined) return [];
  return expected.split("|").includes(typeof value)
    ? []
    : [`${path}: expected ${expected}, got ${typeof value}`];
}

function listProblems(member: unknown, value: unknown, path: string): string[] {
  if (!Array.isArray(value)) return [`${path}: expected a list`];
  return value.flatMap((item, i) => jsonProblems(member, item, `${path}[${i}]`));
}

function mapProblems(member: unknown, value: unknown, path: string): string[] {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return [`${path}: expected a map`];
  }
  return Object.entries(value).flatMap(([k, v]) => jsonProblems(member, v, `${path}.${k}`));
}

const codec = new EventStreamCodec(toUtf8, fromUtf8);

/** Splits an event-stream body into its messages (each starts with its total length). */
export function decodeMessages(body: Uint8Array): Message[] {
  const messages: Message[] = [];
  const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
  for (let at = 0; at < body.length; ) {
    const length = view.getUint32(at, false);
    messages.push(codec.decode(body.subarray(at, at + length)));
    at += length;
  }
  return messages;
}

function headerValue(message: Message, name: string): unknown {
  return message.headers[name]?.value;
}

/** The union member a decoded message claims to be: `event`/`exception` and the member name. */
export function messageName(message: Message): string {
  const type = headerValue(message, ":message-type");
  const name = headerValue(message, type === "exception" ? ":exception-type" : ":event-type");
  return `${String(type)}:${String(name)}`;
}

/**
 * Problems of one decoded message against an event-stream union, the way the SDK's event-stream
 * deserializer reads it: an `event` names a structure member in `:event-type`, an `exception`
 * names an error member in `:exception-type`; a member with the `eventPayload` trait is the whole
 * body (a blob as `application/octet-stream`), otherwise the body is the structure as JSON.
 */
export function messageProblems(union: Shape, message: Message): string[] {
  const type = headerValue(message, ":message-type");
  const where = messageName(message);
  if (type !== "event" && type !== "exception") return [`${where}: unknown :message-type`];
  const nameHeader = type === "event" ? ":event-type" : ":exception-type";
  const name = headerValue(message, nameHeader);
  const member = typeof name === "string" ? union.members.get(name) : undefined;
  if (member === undefined) return [`${where}: ${union.name} has no member ${String(name)}`];
  const target = asShape(resolve(member));
  const expectedKind = type === "event" ? 3 : -3;
  if (target?.kind !== expectedKind) {
    return [
      `${where}: ${union.name}.${name} is not ${type === "event" ? "an event structure" : "an error"}`,
    ];
  }
  const contentType = headerValue(message, ":content-type");
  const payloadMember = [...target.members].find(([, m]) => resolve(m).traits.eventPayload);
  if (payloadMember) {
    const payload = resolve(payloadMember[1]).schema;
    const expected =
      payload === 21
        ? "application/octet-stream"
        : payload === 0
          ? "text/plain"
          : "application/json";
    if (contentType !== expected) {
      return [
        `${where}: :content-type ${String(contentType)}, the SDK expects ${expected} for ${payloadMember[0]}`,
      ];
    }
    if (expected !== "application/json") return [];
    return jsonProblems(
      payloadMember[1],
      JSON.parse(toUtf8(message.body)),
      `${where}.${payloadMember[0]}`,
    );
  }
  if (contentType !== "application/json") {
    return [`${where}: :content-type ${String(contentType)}, the SDK expects application/json`];
  }
  return jsonProblems(member, JSON.parse(toUtf8(message.body)), where);
}
