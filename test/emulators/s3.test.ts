import {
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  NoSuchKey,
} from "@aws-sdk/client-s3";
import { afterEach, describe, expect, it } from "vitest";
import { parseS3Uri, type S3StandIn, startS3 } from "./s3.js";

describe("S3 stand-in", () => {
  let s3: S3StandIn | undefined;
  afterEach(async () => {
    await s3?.close();
    s3 = undefined;
  });

  it("creates the configured buckets and round-trips objects through the real S3 client", async () => {
    s3 = await startS3({ buckets: ["inputs"] });
    expect(s3.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    await s3.putObject("inputs", "dir/a.json", '{"x":1}', "application/json");
    const head = await s3.client.send(
      new HeadObjectCommand({ Bucket: "inputs", Key: "dir/a.json" }),
    );
    expect(head.ContentLength).toBe(7);
    expect(head.ContentType).toBe("application/json");
    expect(new TextDecoder().decode(await s3.getObject("inputs", "dir/a.json"))).toBe('{"x":1}');
    const list = await s3.client.send(
      new ListObjectsV2Command({ Bucket: "inputs", Prefix: "dir/" }),
    );
    expect(list.Contents?.map((o) => o.Key)).toEqual(["dir/a.json"]);
  });

  it("answers a missing key with the SDK's typed NoSuchKey", async () => {
    s3 = await startS3({ buckets: ["b"] });
    const err = await s3.client
      .send(new GetObjectCommand({ Bucket: "b", Key: "nope" }))
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NoSuchKey);
  });

  it("parses s3:// URIs", () => {
    expect(parseS3Uri("s3://bucket/a/b.out")).toEqual({ bucket: "bucket", key: "a/b.out" });
    expect(() => parseS3Uri("https://x/y")).toThrow(/not an s3/);
  });
});
