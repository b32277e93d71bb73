/**
 * Makes s3rver's object writes atomic for readers, as S3's are.
 *
 * s3rver 3.7.1 (`FilesystemStore.putObject`) creates the object file first, streams the body into
 * it, and only then writes the `.md5` and `metadata.json` files; it even resolves before the
 * object file is flushed. A GetObject or HeadObject that arrives meanwhile finds the object
 * without its metadata and answers 200 with the default `Content-Type: binary/octet-stream`
 * (and possibly a short body). Real S3 never shows a half-written object: a read sees either the
 * previous state or the whole new object. Tests that poll for an object while a stand-in writes
 * it (the async inference result poller) saw that gap under load.
 *
 * The replacement below reads the body completely, writes `.md5` and `metadata.json` first, then
 * moves the finished object file into place with one `rename`, so the object appears whole or not
 * at all. `metadata.json` is also replaced by rename, so a reader never parses half of it.
 * Overwriting an existing key keeps one small gap (new metadata beside the old body until the
 * rename); the tests write each key once.
 *
 * @module
 */
import { createHash, randomUUID } from "node:crypto";
import { mkdir, rename, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import type { Readable } from "node:stream";

/** The part of s3rver's `S3Object` a store's `putObject` receives. */
interface StoreObject {
  bucket: string;
  key: string;
  content: Buffer | Readable;
  metadata: Record<string, string>;
}

/** The part of s3rver's `FilesystemStore` this module replaces or calls. */
export interface S3rverFilesystemStore {
  getResourcePath(bucket: string, key: string, resource: string): string;
  putObject(object: StoreObject): Promise<{ size: number; md5: string }>;
  putMetadata(
    bucket: string,
    key: string,
    metadata: Record<string, string>,
    md5?: string,
  ): Promise<void>;
}

/** Writes `data` beside `path` and renames it onto `path`, so readers see old or new, never half. */
async function replaceFile(path: string, data: Buffer | string): Promise<void> {
  const staged = `${path}.${randomUUID()}.partial`;
  await writeFile(staged, data);
  await rename(staged, path);
}

async function readAll(content: Buffer | Readable): Promise<Buffer> {
  if (Buffer.isBuffer(content)) return content;
  const chunks: Buffer[] = [];
  for await (const chunk of content) {
    chunks.push(typeof chunk === "string" ? Buffer.from(chunk) : (chunk as Buffer));
  }
  return Buffer.concat(chunks);
}

/**
 * Replaces `putObject` and `putMetadata` of one s3rver store (its `store` property) with versions
 * whose result a concurrent reader can only see complete. Staged files end in `.partial`, which
 * s3rver's listing ignores (it lists only names ending in `._S3rver_object`).
 */
export function makeObjectWritesAtomic(store: S3rverFilesystemStore): void {
  const putMetadata = store.putMetadata.bind(store);
  store.putMetadata = async (bucket, key, metadata, md5) => {
    // s3rver's own putMetadata filters the metadata; run it on a staged path, then rename.
    const metadataPath = store.getResourcePath(bucket, key, "metadata.json");
    const md5Path = store.getResourcePath(bucket, key, "object.md5");
    if (md5) await replaceFile(md5Path, md5);
    const staging = `${key}.${randomUUID()}.partial`;
    await putMetadata(bucket, staging, metadata);
    await rename(store.getResourcePath(bucket, staging, "metadata.json"), metadataPath);
  };
  store.putObject = async (object) => {
    const body = await readAll(object.content);
    const md5 = createHash("md5").update(body).digest("hex");
    const objectPath = store.getResourcePath(object.bucket, object.key, "object");
    await mkdir(dirname(objectPath), { recursive: true });
    const staged = `${objectPath}.${randomUUID()}.partial`;
    await writeFile(staged, body);
    // Metadata first: until the rename below, readers find no object at all.
    await store.putMetadata(object.bucket, object.key, object.metadata, md5);
    await rename(staged, objectPath);
    return { size: body.length, md5 };
  };
}
