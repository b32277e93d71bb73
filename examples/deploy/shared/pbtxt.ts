/**
 * A small parser for the protobuf text format Triton's `config.pbtxt` uses: `field: value`,
 * `field { ... }` / `field: { ... }` messages, `[ a, b ]` lists, quoted strings, numbers,
 * enum identifiers and `#` comments. A repeated field collects its values into an array, so
 * `parameters: {...}` written twice reads as a two-element list.
 *
 * @module
 */
import { ValidationError } from "../../../src/core/index.js";

/** A parsed value: scalars, lists and nested messages. */
export type PbValue = string | number | boolean | PbEnum | PbValue[] | PbMessage;

/** An enum identifier such as `TYPE_STRING` (kept apart from quoted strings). */
export interface PbEnum {
  enum: string;
}

/** A message: each field name maps to its values in order (repeated fields have several). */
export type PbMessage = { [field: string]: PbValue[] };

type Token =
  | { kind: "ident"; text: string; at: number }
  | { kind: "string"; text: string; at: number }
  | { kind: "number"; value: number; at: number }
  | { kind: "punct"; text: string; at: number };

function lineOf(text: string, at: number): number {
  return text.slice(0, at).split("\n").length;
}

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  const fail = (what: string): never => {
    throw new ValidationError(`config.pbtxt line ${lineOf(text, i)}: ${what}.`);
  };
  while (i < text.length) {
    const c = text[i] as string;
    if (/\s/.test(c)) {
      i++;
    } else if (c === "#") {
      while (i < text.length && text[i] !== "\n") i++;
    } else if ("{}[]:,;<>".includes(c)) {
      tokens.push({ kind: "punct", text: c, at: i });
      i++;
    } else if (c === '"' || c === "'") {
      const start = i;
      let value = "";
      i++;
      while (i < text.length && text[i] !== c) {
        if (text[i] === "\n") fail("unterminated string");
        if (text[i] === "\\") {
          const next = text[i + 1];
          const escapes: Record<string, string> = {
            n: "\n",
            t: "\t",
            '"': '"',
            "'": "'",
            "\\": "\\",
          };
          if (next === undefined || !(next in escapes)) fail(`unsupported escape \\${next ?? ""}`);
          value += escapes[next as string];
          i += 2;
        } else {
          value += text[i];
          i++;
        }
      }
      if (i >= text.length) fail("unterminated string");
      i++;
      tokens.push({ kind: "string", text: value, at: start });
    } else if (/[-+0-9.]/.test(c)) {
      const match = /^[-+]?(\d+\.?\d*(e[-+]?\d+)?|\.\d+(e[-+]?\d+)?)/i.exec(text.slice(i));
      if (!match) fail(`unexpected "${c}"`);
      tokens.push({ kind: "number", value: Number(match?.[0]), at: i });
      i += match?.[0].length ?? 1;
    } else if (/[A-Za-z_]/.test(c)) {
      const match = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(i)) as RegExpExecArray;
      tokens.push({ kind: "ident", text: match[0], at: i });
      i += match[0].length;
    } else {
      fail(`unexpected "${c}"`);
    }
  }
  return tokens;
}

/**
 * Parses protobuf text format into a {@link PbMessage}. Throws `ValidationError` with the line
 * number on any syntax error.
 *
 * @example
 * ```ts
 * const config = parsePbtxt('name: "m"\nbackend: "python"\n');
 * config.name; // ["m"]
 * ```
 */
export function parsePbtxt(text: string): PbMessage {
  const tokens = tokenize(text);
  let pos = 0;
  const fail = (what: string): never => {
    const at = tokens[pos]?.at ?? text.length;
    throw new ValidationError(`config.pbtxt line ${lineOf(text, at)}: ${what}.`);
  };
  const peek = () => tokens[pos];
  const isPunct = (t: Token | undefined, p: string) => t?.kind === "punct" && t.text === p;

  function scalar(): PbValue {
    const t = tokens[pos++];
    if (!t) return fail("expected a value, found the end of the file");
    if (t.kind === "string") {
      // Adjacent string literals concatenate, as in protobuf.
      let value = t.text;
      while (peek()?.kind === "string") value += (tokens[pos++] as { text: string }).text;
      return value;
    }
    if (t.kind === "number") return t.value;
    if (t.kind === "ident") {
      if (t.text === "true" || t.text === "false") return t.text === "true";
      return { enum: t.text };
    }
    pos--;
    return fail(`expected a value, found "${t.text}"`);
  }

  function value(): PbValue {
    const t = peek();
    if (isPunct(t, "{") || isPunct(t, "<")) return message();
    if (isPunct(t, "[")) {
      pos++;
      const items: PbValue[] = [];
      while (!isPunct(peek(), "]")) {
        items.push(value());
        if (isPunct(peek(), ",")) pos++;
        else if (!isPunct(peek(), "]")) fail('expected "," or "]" in a list');
      }
      pos++;
      return items;
    }
    return scalar();
  }

  function fields(msg: PbMessage, close: string | undefined): void {
    for (;;) {
      const t = peek();
      if (t === undefined) {
        if (close) fail(`missing "${close}"`);
        return;
      }
      if (close && isPunct(t, close)) {
        pos++;
        return;
      }
      if (t.kind !== "ident") fail("expected a field name");
      pos++;
      const name = (t as { text: string }).text;
      let v: PbValue;
      if (isPunct(peek(), ":")) {
        pos++;
        v = value();
      } else if (isPunct(peek(), "{") || isPunct(peek(), "<")) {
        v = message();
      } else if (isPunct(peek(), "[")) {
        // `input [ {...}, {...} ]`: a list of messages may omit the colon.
        v = value();
        if ((v as PbValue[]).some((item) => !isMessage(item))) {
          fail(`"${name} [" without ":" must hold messages`);
        }
      } else {
        v = fail(`expected ":" or "{" after "${name}"`);
      }
      // A list value of a repeated field adds its items; otherwise the value is one more item.
      const list = msg[name] ?? [];
      if (Array.isArray(v)) list.push(...v);
      else list.push(v);
      msg[name] = list;
      if (isPunct(peek(), ",") || isPunct(peek(), ";")) pos++;
    }
  }

  function message(): PbMessage {
    const open = tokens[pos++] as { text: string };
    const msg: PbMessage = Object.create(null) as PbMessage;
    fields(msg, open.text === "<" ? ">" : "}");
    return msg;
  }

  const root: PbMessage = Object.create(null) as PbMessage;
  fields(root, undefined);
  return root;
}

/** Whether a parsed value is a nested message. */
export function isMessage(value: PbValue | undefined): value is PbMessage {
  // Messages are built without a prototype; enum values are ordinary `{ enum }` objects.
  return typeof value === "object" && value !== null && Object.getPrototypeOf(value) === null;
}

/** The single value of `field`, or undefined; throws when the field repeats. */
export function one(msg: PbMessage, field: string): PbValue | undefined {
  const values = msg[field];
  if (!values || values.length === 0) return undefined;
  if (values.length > 1) {
    throw new ValidationError(`config.pbtxt: "${field}" is set ${values.length} times.`);
  }
  return values[0];
}
