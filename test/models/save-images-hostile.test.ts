/**
 * saveImages against a hostile folder and hostile image records: a link planted where an image
 * will go must never redirect the write to another file, and a media type is only ever a key of
 * the extension table, never of Object.prototype.
 */
import { lstat, mkdtemp, readdir, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { saveImages } from "../../src/models/save-images.js";
import { tinyPng } from "../emulators/index.js";

let dir: string | undefined;
afterEach(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
  dir = undefined;
});

describe("saveImages in a folder someone else can write to", () => {
  it("with overwrite, replaces a planted symbolic link instead of writing through it", async () => {
    dir = await mkdtemp(join(tmpdir(), "fmops-save-"));
    const victim = join(dir, "victim.txt");
    await writeFile(victim, "precious");
    const out = join(dir, "out");
    await saveImages([], out);
    await symlink(victim, join(out, "image-1.png"));
    const png = tinyPng(2, 2);

    const [path] = await saveImages([{ bytes: png, mediaType: "image/png" }], out, {
      overwrite: true,
    });

    expect(await readFile(victim, "utf8")).toBe("precious");
    expect((await lstat(path as string)).isSymbolicLink()).toBe(false);
    expect(new Uint8Array(await readFile(path as string))).toEqual(png);
    // No temporary file is left behind.
    expect(await readdir(out)).toEqual(["image-1.png"]);
  });

  it("without overwrite, refuses a planted link (even a dangling one) and writes nothing", async () => {
    dir = await mkdtemp(join(tmpdir(), "fmops-save-"));
    const target = join(dir, "created-through-link.txt");
    const out = join(dir, "out");
    await saveImages([], out);
    await symlink(target, join(out, "image-1.png"));

    const err = await saveImages([{ bytes: tinyPng(), mediaType: "image/png" }], out).catch(
      (e: unknown) => e,
    );

    expect((err as { code?: string }).code).toBe("FILE_ERROR");
    await expect(lstat(target)).rejects.toThrow();
  });
});

describe("saveImages with media types that are not image types", () => {
  it.each(["__proto__", "constructor", "toString", "hasOwnProperty", "image/svg+xml", "text/html"])(
    "%s is saved with the .bin extension",
    async (mediaType) => {
      dir = await mkdtemp(join(tmpdir(), "fmops-save-"));
      const [path] = await saveImages([{ bytes: tinyPng(), mediaType }], dir);
      expect(path).toBe(join(dir, "image-1.bin"));
    },
  );
});
