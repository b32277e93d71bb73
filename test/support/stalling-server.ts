/**
 * An HTTP server on 127.0.0.1 that accepts a request and then stalls at a chosen stage: before
 * the response headers, after them, or after the first body chunk. It records when the client
 * closes the connection, so tests can prove that a timed-out request released its socket.
 *
 * @module
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** Where the server stops answering. */
export type StallStage = "before-headers" | "after-headers" | "after-first-frame";

/** What the server sends before it stalls. */
export interface StallingServerOptions {
  stage: StallStage;
  /** Response headers (sent from the `after-headers` stage on). */
  headers: Record<string, string>;
  /** The one body chunk sent at the `after-first-frame` stage. */
  firstFrame: Uint8Array | string;
}

/** A running stalling server. */
export interface StallingServer {
  /** `http://127.0.0.1:<port>`. */
  endpoint: string;
  /** How many requests arrived. */
  readonly requests: number;
  /** Resolves once the socket of the first request has been closed by the client. */
  readonly socketClosed: Promise<void>;
  /** Resolves once the server has written what `stage` allows (headers, first frame). */
  readonly stalled: Promise<void>;
  close(): Promise<void>;
}

/**
 * Starts a server that stalls every request at `options.stage`.
 *
 * @example
 * ```ts
 * const server = await startStallingServer({ stage: "after-headers", headers, firstFrame: "" });
 * await expect(read(server.endpoint)).rejects.toMatchObject({ code: "STREAM_IDLE_TIMEOUT" });
 * await server.socketClosed;
 * ```
 */
export async function startStallingServer(options: StallingServerOptions): Promise<StallingServer> {
  let requests = 0;
  let markClosed!: () => void;
  const socketClosed = new Promise<void>((resolve) => {
    markClosed = resolve;
  });
  let markStalled!: () => void;
  const stalled = new Promise<void>((resolve) => {
    markStalled = resolve;
  });
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    requests += 1;
    if (requests === 1) req.socket.once("close", markClosed);
    // Read the whole request first, as a real server would, then stop at the chosen stage.
    req.resume();
    req.once("end", () => {
      if (options.stage !== "before-headers") {
        res.writeHead(200, options.headers);
        res.flushHeaders();
      }
      if (options.stage === "after-first-frame") res.write(options.firstFrame, () => markStalled());
      else markStalled();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    get requests() {
      return requests;
    },
    socketClosed,
    stalled,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
