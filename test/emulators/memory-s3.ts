/**
 * A minimal in-memory S3 on 127.0.0.1 speaking the REST wire protocol for PutObject, GetObject
 * and HeadObject (path-style). It answers in well under a millisecond, so benchmarks of polling
 * strategies measure the strategy rather than s3rver's disk-backed latency under load. Tests that
 * need the rest of S3 use {@link startS3} (s3rver).
 *
 * @module
 */
import { createHash } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { S3Client } from "@aws-sdk/client-s3";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import { readBody, startServer, testCredentials, testRegion } from "./http.js";
import type { S3StandIn } from "./s3.js";

interface StoredObject {
  body: Uint8Array;
  contentType: string;
  etag: string;
  lastModified: Date;
}

/**
 * Decodes an `aws-chunked` body (`<hex size>[;chunk-signature=...]\r\n<bytes>\r\n ... 0\r\n<trailers>`),
 * which the SDK sends when it adds a trailing checksum.
 */
function decodeAwsChunked(raw: Uint8Array): Uint8Array {
  const text = Buffer.from(raw);
  const parts: Buffer[] = [];
  let at = 0;
  while (at < text.length) {
    const lineEnd = text.indexOf("\r\n", at);
    if (lineEnd < 0) break;
    const size = Number.parseInt(
      text.subarray(at, lineEnd).toString("latin1").split(";")[0] ?? "",
      16,
    );
    if (!(size > 0)) break;
    parts.push(text.subarray(lineEnd + 2, lineEnd + 2 + size));
    at = lineEnd + 2 + size + 2;
  }
  return new Uint8Array(Buffer.concat(parts));
}

function notFound(res: ServerResponse, method: string, key: string): void {
  if (method === "HEAD") {
    res.writeHead(404).end();
    return;
  }
  const xml = `<?xml version="1.0" encoding="UTF-8"?><Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message><Key>${key}</Key></Error>`;
  res
    .writeHead(404, { "content-type": "application/xml", "content-length": Buffer.byteLength(xml) })
    .end(xml);
}

/**
 * The first and last byte of a single `bytes=` range (`a-b`, `a-`, `-n`) on an object of `size`
 * bytes, the way S3 reads it: an end past the object is cut to its last byte, a start past it is
 * unsatisfiable (416), and anything S3 ignores (no header, several ranges, other units) gives
 * `undefined`, meaning the whole object.
 */
function byteRange(
  header: string | undefined,
  size: number,
): [number, number] | "unsatisfiable" | undefined {
  const match = /^bytes=(\d*)-(\d*)$/.exec(header?.trim() ?? "");
  if (!match || (match[1] === "" && match[2] === "")) return undefined;
  if (match[1] === "") {
    const suffix = Number(match[2]);
    if (suffix === 0) return "unsatisfiable";
    return [Math.max(0, size - suffix), size - 1];
  }
  const start = Number(match[1]);
  const end = match[2] === "" ? size - 1 : Math.min(Number(match[2]), size - 1);
  if (start >= size || end < start) return "unsatisfiable";
  return [start, end];
}

/**
 * Starts an in-memory S3 with the same {@link S3StandIn} interface as {@link startS3}.
 *
 * @example
 * ```ts
 * const s3 = await startMemoryS3();
 * await s3.putObject("bucket", "key", "hello");
 * ```
 */
export async function startMemoryS3(): Promise<S3StandIn> {
  const objects = new Map<string, StoredObject>();
  const store = (path: string, body: Uint8Array, contentType: string) => {
    const etag = `"${createHash("md5").update(body).digest("hex")}"`;
    objects.set(path, { body, contentType, etag, lastModified: new Date() });
  };

  const running = await startServer(async (req: IncomingMessage, res: ServerResponse) => {
    const path = decodeURIComponent((req.url ?? "/").split("?")[0] ?? "/");
    const method = req.method ?? "GET";
    if (method === "PUT") {
      const raw = await readBody(req);
      const chunked =
        (req.headers["content-encoding"] ?? "").includes("aws-chunked") ||
        String(req.headers["x-amz-content-sha256"] ?? "").startsWith("STREAMING-");
      store(
        path,
        chunked ? decodeAwsChunked(raw) : raw,
        req.headers["content-type"] ?? "binary/octet-stream",
      );
      res.writeHead(200, { etag: objects.get(path)?.etag ?? "" }).end();
      return;
    }
    await readBody(req);
    const object = objects.get(path);
    if (!object) {
      notFound(res, method, path);
      return;
    }
    const size = object.body.byteLength;
    const range = byteRange(req.headers.range, size);
    if (range === "unsatisfiable") {
      const xml = `<?xml version="1.0" encoding="UTF-8"?><Error><Code>InvalidRange</Code><Message>The requested range is not satisfiable</Message><RangeRequested>${req.headers.range}</RangeRequested><ActualObjectSize>${size}</ActualObjectSize></Error>`;
      res.writeHead(416, {
        "content-type": "application/xml",
        "content-length": Buffer.byteLength(xml),
      });
      res.end(method === "HEAD" ? undefined : xml);
      return;
    }
    const [start, end] = range ?? [0, size - 1];
    const headers: Record<string, string | number> = {
      "content-type": object.contentType,
      "content-length": Math.max(0, end - start + 1),
      etag: object.etag,
      "last-modified": object.lastModified.toUTCString(),
      "accept-ranges": "bytes",
    };
    if (range) headers["content-range"] = `bytes ${start}-${end}/${size}`;
    res.writeHead(range ? 206 : 200, headers);
    res.end(method === "HEAD" ? undefined : Buffer.from(object.body.subarray(start, end + 1)));
  });

  const client = new S3Client({
    region: testRegion,
    endpoint: running.endpoint,
    forcePathStyle: true,
    credentials: testCredentials,
    requestHandler: new NodeHttpHandler(),
  });
  return {
    endpoint: running.endpoint,
    port: running.port,
    client,
    async getObject(bucket, key) {
      const object = objects.get(`/${bucket}/${key}`);
      if (!object)
        throw Object.assign(new Error(`NoSuchKey: ${bucket}/${key}`), { name: "NoSuchKey" });
      return object.body;
    },
    async putObject(bucket, key, body, contentType = "binary/octet-stream") {
      store(
        `/${bucket}/${key}`,
        typeof body === "string" ? new TextEncoder().encode(body) : body,
        contentType,
      );
    },
    async close() {
      client.destroy();
      await running.close();
    },
  };
}
