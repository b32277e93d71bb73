import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { type FmopsError, ValidationError } from "../../src/core/errors.js";
import { saveImages } from "../../src/models/save-images.js";
import { jpegHeader, tinyPng } from "../emulators/index.js";

let dir: string | undefined;
afterEach(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
  dir = undefined;
});

describe("saveImages", () => {
  it("writes each image with the extension of its media type, creating the folder", async () => {
    dir = await mkdtemp(join(tmpdir(), "fmops-save-"));
    const png = tinyPng(4, 4);
    const jpeg = jpegHeader(4, 4);
    const paths = await saveImages(
      {
        images: [
          { bytes: png, mediaType: "image/png" },
          { bytes: jpeg, mediaType: "image/jpeg" },
        ],
        metadata: {},
      },
      join(dir, "nested"),
      { prefix: "fox" },
    );
    expect(paths).toEqual([join(dir, "nested", "fox-1.png"), join(dir, "nested", "fox-2.jpg")]);
    expect(new Uint8Array(await readFile(paths[0] as string))).toEqual(png);
    expect(new Uint8Array(await readFile(paths[1] as string))).toEqual(jpeg);
  });

  it("refuses to replace an existing file unless overwrite is set", async () => {
    dir = await mkdtemp(join(tmpdir(), "fmops-save-"));
    await writeFile(join(dir, "image-1.png"), "keep me");
    const images = [{ bytes: tinyPng(), mediaType: "image/png" }];
    const err = await saveImages(images, dir).catch((e: unknown) => e);
    expect((err as FmopsError).code).toBe("FILE_ERROR");
    expect((err as FmopsError).message).toContain("already exists");
    expect(await readFile(join(dir, "image-1.png"), "utf8")).toBe("keep me");
    await saveImages(images, dir, { overwrite: true });
    expect(new Uint8Array(await readFile(join(dir, "image-1.png")))).toEqual(images[0]?.bytes);
  });

  it("refuses a prefix that would leave the folder", async () => {
    await expect(saveImages([], "/tmp", { prefix: "../x" })).rejects.toBeInstanceOf(
      ValidationError,
    );
  });
});
