/**
 * A local S3 for tests: s3rver on 127.0.0.1 port 0 over a fresh temporary directory, with a
 * ready `S3Client` pointed at it.
 *
 * @module
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { GetObjectCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import S3rver from "s3rver";
import s3rverAccounts from "s3rver/lib/models/account.js";
import { testCredentials, testRegion } from "./http.js";
import { makeObjectWritesAtomic, type S3rverFilesystemStore } from "./s3rver-atomic.js";

/** Options for {@link startS3}. */
export interface S3StandInOptions {
  /** Buckets to create before the server starts. */
  buckets?: string[];
}

/** A running S3 stand-in. */
export interface S3StandIn {
  /** `http://127.0.0.1:<port>`. */
  endpoint: string;
  /** The port it listens on. */
  port: number;
  /** A ready client (path-style addressing, fake credentials). */
  client: S3Client;
  /** Reads an object as bytes; rejects with the SDK's `NoSuchKey` when it is missing. */
  getObject(bucket: string, key: string): Promise<Uint8Array>;
  /** Writes an object. */
  putObject(
    bucket: string,
    key: string,
    body: Uint8Array | string,
    contentType?: string,
  ): Promise<void>;
  /** Stops the server, destroys the client and removes the temporary directory. */
  close(): Promise<void>;
}

/** Splits `s3://bucket/key` into its parts; throws on anything else. */
export function parseS3Uri(uri: string): { bucket: string; key: string } {
  const match = /^s3:\/\/([^/]+)\/(.*)$/.exec(uri);
  if (!match) throw new Error(`not an s3:// URI: ${uri}`);
  return { bucket: match[1] as string, key: match[2] as string };
}

/**
 * Starts s3rver on 127.0.0.1 port 0.
 *
 * @example
 * ```ts
 * const s3 = await startS3({ buckets: ["inputs"] });
 * await s3.putObject("inputs", "a.json", "{}");
 * await s3.close();
 * ```
 */
export async function startS3(options: S3StandInOptions = {}): Promise<S3StandIn> {
  // s3rver knows one hard-coded key pair; register the fake test credentials with it too.
  s3rverAccounts.DUMMY_ACCOUNT.createKeyPair(
    testCredentials.accessKeyId,
    testCredentials.secretAccessKey,
  );
  const directory = await mkdtemp(join(tmpdir(), "fmops-s3-"));
  const server = new S3rver({
    address: "127.0.0.1",
    port: 0,
    silent: true,
    directory,
    configureBuckets: (options.buckets ?? []).map((name) => ({ name })),
  });
  // s3rver shows objects before their metadata is written; S3 never shows half an object.
  makeObjectWritesAtomic((server as unknown as { store: S3rverFilesystemStore }).store);
  const { port } = await server.run();
  const endpoint = `http://127.0.0.1:${port}`;
  const client = new S3Client({
    region: testRegion,
    endpoint,
    forcePathStyle: true,
    credentials: testCredentials,
  });
  return {
    endpoint,
    port,
    client,
    async getObject(bucket, key) {
      const out = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      return (await out.Body?.transformToByteArray()) ?? new Uint8Array();
    },
    async putObject(bucket, key, body, contentType) {
      await client.send(
        new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: contentType }),
      );
    },
    async close() {
      client.destroy();
      server.httpServer?.closeAllConnections();
      await server.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}
