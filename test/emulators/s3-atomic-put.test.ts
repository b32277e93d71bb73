/**
 * The s3rver stand-in must show an object whole or not at all, as S3 does: a read racing a
 * PutObject may miss the object, but never sees it without its Content-Type or with part of its
 * body. (Before the fix, about one read in ten during a put answered `binary/octet-stream`.)
 */
import { GetObjectCommand, HeadObjectCommand, ListObjectsV2Command } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type S3StandIn, startS3 } from "./s3.js";

let s3: S3StandIn;
beforeAll(async () => {
  s3 = await startS3({ buckets: ["race"] });
});
afterAll(async () => {
  await s3.close();
});

/** Reads `key` until the put settles; returns what each read that found the object saw. */
async function readWhilePutting(key: string, body: string): Promise<string[]> {
  let settled = false;
  const put = s3.putObject("race", key, body, "application/json").finally(() => {
    settled = true;
  });
  const seen: string[] = [];
  // Ends: the put settles after a bounded amount of work, and each read is one request.
  while (!settled) {
    const out = await s3.client
      .send(new GetObjectCommand({ Bucket: "race", Key: key }))
      .catch((err: unknown) => err);
    if (out instanceof Error) {
      expect(out.name).toBe("NoSuchKey");
      continue;
    }
    const got = out as { ContentType?: string; Body?: { transformToString(): Promise<string> } };
    const text = (await got.Body?.transformToString()) ?? "";
    seen.push(`${got.ContentType} ${text === body ? "whole" : `partial(${text.length})`}`);
  }
  await put;
  return seen;
}

describe("s3rver stand-in: object writes are atomic for readers", () => {
  it("a GetObject during a PutObject finds nothing or the whole object with its content type", async () => {
    const seen: string[] = [];
    for (let i = 0; i < 100; i++) {
      const body = JSON.stringify({ i, pad: "x".repeat(4096) });
      seen.push(...(await readWhilePutting(`k/${i}.json`, body)));
      // Once the put has returned, the object is complete.
      const head = await s3.client.send(
        new HeadObjectCommand({ Bucket: "race", Key: `k/${i}.json` }),
      );
      expect(head.ContentType).toBe("application/json");
      expect(head.ContentLength).toBe(body.length);
    }
    expect(seen.filter((s) => s !== "application/json whole")).toEqual([]);
  });

  it("lists only finished objects, never the staged files", async () => {
    await s3.putObject("race", "list/a.json", "{}", "application/json");
    const listed = await s3.client.send(
      new ListObjectsV2Command({ Bucket: "race", Prefix: "list/" }),
    );
    expect(listed.Contents?.map((c) => c.Key)).toEqual(["list/a.json"]);
  });
});
