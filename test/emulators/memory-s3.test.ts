import {
  GetObjectCommand,
  HeadObjectCommand,
  NoSuchKey,
  NotFound,
  PutObjectCommand,
} from "@aws-sdk/client-s3";
import { afterEach, describe, expect, it } from "vitest";
import { startMemoryS3 } from "./memory-s3.js";
import type { S3StandIn } from "./s3.js";

let s3: S3StandIn | undefined;
afterEach(async () => {
  await s3?.close();
  s3 = undefined;
});

describe("in-memory S3 stand-in", () => {
  it("round-trips PutObject, HeadObject and GetObject through the real client", async () => {
    s3 = await startMemoryS3();
    await s3.client.send(
      new PutObjectCommand({
        Bucket: "b",
        Key: "dir/x.json",
        Body: '{"a":1}',
        ContentType: "application/json",
      }),
    );
    const head = await s3.client.send(new HeadObjectCommand({ Bucket: "b", Key: "dir/x.json" }));
    expect(head.ContentLength).toBe(7);
    expect(head.ContentType).toBe("application/json");
    const got = await s3.client.send(new GetObjectCommand({ Bucket: "b", Key: "dir/x.json" }));
    expect(await got.Body?.transformToString()).toBe('{"a":1}');
    expect(new TextDecoder().decode(await s3.getObject("b", "dir/x.json"))).toBe('{"a":1}');
  });

  it("answers missing keys the way S3 does: NotFound on HEAD, NoSuchKey on GET", async () => {
    s3 = await startMemoryS3();
    await expect(
      s3.client.send(new HeadObjectCommand({ Bucket: "b", Key: "nope" })),
    ).rejects.toBeInstanceOf(NotFound);
    await expect(
      s3.client.send(new GetObjectCommand({ Bucket: "b", Key: "nope" })),
    ).rejects.toBeInstanceOf(NoSuchKey);
  });

  it("serves objects written directly by other stand-ins", async () => {
    s3 = await startMemoryS3();
    await s3.putObject("b", "out/1.out", "done", "text/plain");
    const got = await s3.client.send(new GetObjectCommand({ Bucket: "b", Key: "out/1.out" }));
    expect(await got.Body?.transformToString()).toBe("done");
  });

  it("honours a single byte Range the way S3 does (206 with Content-Range, 416 past the end)", async () => {
    s3 = await startMemoryS3();
    await s3.putObject("b", "r.txt", "0123456789", "text/plain");
    const get = (Range: string) =>
      s3?.client.send(new GetObjectCommand({ Bucket: "b", Key: "r.txt", Range }));
    const middle = await get("bytes=2-4");
    expect(await middle?.Body?.transformToString()).toBe("234");
    expect(middle).toMatchObject({ ContentRange: "bytes 2-4/10", ContentLength: 3 });
    expect(middle?.$metadata.httpStatusCode).toBe(206);
    expect(await (await get("bytes=7-"))?.Body?.transformToString()).toBe("789");
    expect(await (await get("bytes=-3"))?.Body?.transformToString()).toBe("789");
    // An end past the object is cut to its last byte.
    expect(await (await get("bytes=8-100"))?.Body?.transformToString()).toBe("89");
    const err = await get("bytes=20-30")?.catch((e: unknown) => e);
    expect(err).toMatchObject({ name: "InvalidRange", $metadata: { httpStatusCode: 416 } });
  });
});
