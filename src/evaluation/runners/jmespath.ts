/**
 * Compiled JMESPath locations for datasets and runners.
 *
 * @module
 */
import { compile, type JSONValue, TreeInterpreter } from "@jmespath-community/jmespath";
import { ValidationError } from "../../core/index.js";

/** A compiled JMESPath expression: returns what it selects (`null` when nothing). */
export type JmesPathQuery = (value: unknown) => unknown;

/**
 * Compiles `expression` once (parsing per record would dominate large datasets). A syntax error
 * throws `VALIDATION_ERROR` naming `field`.
 *
 * @example
 * ```ts
 * const target = compileJmesPath("answers[0].text", "target");
 * target({ answers: [{ text: "Paris" }] }); // "Paris"
 * ```
 */
export function compileJmesPath(expression: string, field: string): JmesPathQuery {
  let ast: ReturnType<typeof compile>;
  try {
    ast = compile(expression);
  } catch (err) {
    const detail = err instanceof Error ? err.message.slice(0, 120) : "syntax error";
    throw new ValidationError(
      `${field} is not a valid JMESPath expression (${detail}): write e.g. "question" or "answers[0]".`,
      [{ path: field, message: "invalid JMESPath expression" }],
      { cause: err },
    );
  }
  return (value) => TreeInterpreter.search(ast, value as JSONValue);
}
