/**
 * Reading S3 object bodies chunk by chunk, in Node (IncomingMessage), Deno and browsers
 * (ReadableStream), so that large results are never held twice in memory.
 *
 * @module
 */
import { abortError } from "./wait.js";

interface DestroyableIterable extends AsyncIterable<Uint8Array> {
  destroy?: (error?: Error) => void;
}

function isAsyncIterable(value: unknown): value is DestroyableIterable {
  return typeof value === "object" && value !== null && Symbol.asyncIterator in value;
}

function isReadableStream(value: unknown): value is ReadableStream<Uint8Array> {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as ReadableStream).getReader === "function"
  );
}

/**
 * Yields the chunks of an AWS SDK streaming body as they arrive. Aborting `signal` destroys the
 * underlying stream (closing its socket) and makes the iteration throw the signal's error.
 * Stopping early (`break`) releases the stream too.
 */
export async function* bodyChunks(body: unknown, signal: AbortSignal): AsyncGenerator<Uint8Array> {
  if (body === undefined || body === null) return;
  if (body instanceof Uint8Array) {
    yield body;
    return;
  }
  if (isAsyncIterable(body)) {
    // The SDK's abort signal only covers the request; once the response has started, the body
    // stream must be destroyed by hand, or a stalled download would keep the socket open.
    const onAbort = () => body.destroy?.(abortError(signal));
    signal.addEventListener("abort", onAbort, { once: true });
    try {
      for await (const chunk of body) {
        if (signal.aborted) throw abortError(signal);
        yield chunk;
      }
      if (signal.aborted) throw abortError(signal);
    } catch (err) {
      if (signal.aborted) throw abortError(signal);
      throw err;
    } finally {
      signal.removeEventListener("abort", onAbort);
      body.destroy?.();
    }
    return;
  }
  if (isReadableStream(body)) {
    const reader = body.getReader();
    const onAbort = () => {
      reader.cancel(abortError(signal)).catch(() => {});
    };
    signal.addEventListener("abort", onAbort, { once: true });
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (signal.aborted) throw abortError(signal);
        if (done) return;
        yield value;
      }
    } finally {
      signal.removeEventListener("abort", onAbort);
      reader.releaseLock();
    }
  }
  const blob = body as { arrayBuffer?: () => Promise<ArrayBuffer> };
  if (typeof blob.arrayBuffer === "function") {
    yield new Uint8Array(await blob.arrayBuffer());
    return;
  }
  throw new TypeError("Unsupported S3 object body type.");
}

/**
 * Collects chunks into one array. When the size is known up front (S3's Content-Length) the
 * array is allocated once at that size and each chunk is copied in as it arrives: the object is
 * held in memory exactly once, never as a list of chunks plus a concatenated copy.
 */
export async function collectChunks(
  chunks: AsyncIterable<Uint8Array>,
  expectedSize: number | undefined,
): Promise<Uint8Array> {
  if (expectedSize !== undefined) {
    let out = new Uint8Array(expectedSize);
    let at = 0;
    for await (const chunk of chunks) {
      if (at + chunk.byteLength > out.byteLength) {
        // The object changed size under us (overwritten); grow rather than fail.
        const grown = new Uint8Array(Math.max(out.byteLength * 2, at + chunk.byteLength));
        grown.set(out.subarray(0, at));
        out = grown;
      }
      out.set(chunk, at);
      at += chunk.byteLength;
    }
    return at === out.byteLength ? out : out.slice(0, at);
  }
  const parts: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of chunks) {
    parts.push(chunk);
    total += chunk.byteLength;
  }
  if (parts.length === 1) return parts[0] as Uint8Array;
  const out = new Uint8Array(total);
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.byteLength;
  }
  return out;
}
