/**
 * {@link parseJsonBody}: reads a model endpoint's byte answer as JSON.
 *
 * @module
 */
import { FmopsError, redact } from "./errors.js";

/**
 * Decodes a response body as UTF-8 and parses it as JSON. A body that is not JSON throws
 * `UNEXPECTED_RESPONSE` naming who answered (`describe`) and showing the (redacted) text, so a
 * misconfigured container or payload format is visible in the message.
 *
 * @param body - The raw response bytes; `undefined` reads as an empty (non-JSON) body.
 * @param describe - Who answered and how, e.g. `Endpoint "my-llm" (text/html)`.
 *
 * @example
 * ```ts
 * const json = parseJsonBody(output.Body, `Embedding endpoint "${endpointName}"`);
 * ```
 */
export function parseJsonBody(body: Uint8Array | undefined, describe: string): unknown {
  const text = new TextDecoder().decode(body);
  try {
    return JSON.parse(text);
  } catch (cause) {
    throw new FmopsError(
      "UNEXPECTED_RESPONSE",
      `${describe} did not answer JSON: ${redact(text)}`,
      {
        cause,
      },
    );
  }
}
