/**
 * A pass-through HTTP proxy on 127.0.0.1 that forwards requests unchanged (headers included, so
 * SigV4 signatures still verify) to another stand-in, except when a test's `fault` function
 * answers in its place: a 403, a 503 SlowDown, a throttling error.
 *
 * @module
 */
import { request as httpRequest } from "node:http";
import { readBody, startServer } from "./http.js";

/** A request seen by the proxy. */
export interface ProxiedRequest {
  method: string;
  /** Path and query. */
  path: string;
  headers: Record<string, string | string[] | undefined>;
}

/** A response the proxy sends instead of forwarding. */
export interface FaultResponse {
  status: number;
  headers?: Record<string, string>;
  body?: string;
}

/** A running fault proxy. */
export interface FaultProxy {
  endpoint: string;
  /** Every request, with whether it was answered by `fault`. */
  requests: (ProxiedRequest & { faulted: boolean })[];
  close(): Promise<void>;
}

/**
 * Starts a proxy to `target` (e.g. s3rver's endpoint). `fault` runs for every request; returning a
 * response sends it instead of forwarding.
 *
 * @example
 * ```ts
 * const proxy = await startFaultProxy(s3.endpoint, (r) => (r.method === "HEAD" ? { status: 403 } : undefined));
 * ```
 */
export async function startFaultProxy(
  target: string,
  fault: (request: ProxiedRequest) => FaultResponse | undefined = () => undefined,
): Promise<FaultProxy> {
  const to = new URL(target);
  const requests: FaultProxy["requests"] = [];
  const running = await startServer(async (req, res) => {
    const seen: ProxiedRequest = {
      method: req.method ?? "GET",
      path: req.url ?? "/",
      headers: req.headers,
    };
    const injected = fault(seen);
    requests.push({ ...seen, faulted: injected !== undefined });
    const body = await readBody(req);
    if (injected) {
      const text = req.method === "HEAD" ? "" : (injected.body ?? "");
      res.writeHead(injected.status, {
        "x-amz-request-id": "fault-proxy",
        "content-length": Buffer.byteLength(injected.body ?? ""),
        ...injected.headers,
      });
      res.end(text);
      return;
    }
    await new Promise<void>((resolve) => {
      const upstream = httpRequest(
        {
          host: to.hostname,
          port: to.port,
          method: req.method,
          path: req.url,
          headers: req.headers,
        },
        (up) => {
          res.writeHead(up.statusCode ?? 502, up.headers);
          up.pipe(res);
          up.on("end", resolve);
          up.on("error", () => {
            res.destroy();
            resolve();
          });
        },
      );
      upstream.on("error", () => {
        res.destroy();
        resolve();
      });
      res.on("close", () => upstream.destroy());
      upstream.end(body);
    });
  });
  return { endpoint: running.endpoint, requests, close: () => running.close() };
}
