/**
 * Finding and reading NLTK's Punkt parameters: the explicit path, NLTK_DATA, ~/nltk_data, the
 * errors that say what to install, and METEOR's default model with its one-time warning. The
 * parameter files here are small ones written by the test, not NLTK's.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { findPunktData, loadPunkt, nltkDataPath } from "../../../src/evaluation/metrics/index.js";

const scratch = mkdtempSync(join(tmpdir(), "fmops-punkt-"));
// The fallback cannot be shown on a machine whose system NLTK folders hold punkt_tab.
const SYSTEM_FOLDERS = [
  "/usr",
  "/usr/share",
  "/usr/lib",
  "/usr/local",
  "/usr/local/share",
  "/usr/local/lib",
];
const SYSTEM_PUNKT = SYSTEM_FOLDERS.some((d) =>
  existsSync(join(d, "nltk_data", "tokenizers", "punkt_tab", "english")),
);
let count = 0;

/** A fresh empty folder. */
function folder(): string {
  const dir = join(scratch, String(count++));
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** An NLTK data root holding hand-written English parameters that know "dr" and "sept 5". */
function dataRoot(files: Partial<Record<string, string>> = {}): { root: string; english: string } {
  const root = folder();
  const english = join(root, "tokenizers", "punkt_tab", "english");
  mkdirSync(english, { recursive: true });
  const contents: Record<string, string> = {
    "abbrev_types.txt": "dr\nmr",
    "collocations.tab": "sept\t##number##",
    "sent_starters.txt": "however",
    "ortho_context.tab": "the\t18",
    ...files,
  };
  for (const [name, text] of Object.entries(contents))
    if (text !== undefined) writeFileSync(join(english, name), text);
  return { root, english };
}

const TEXT = "Dr. Smith came on Sept. 5 to stay. He left.";
const WITH_PARAMETERS = ["Dr. Smith came on Sept. 5 to stay.", "He left."];
const WITHOUT_PARAMETERS = ["Dr.", "Smith came on Sept.", "5 to stay.", "He left."];

afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe("nltkDataPath", () => {
  afterEach(() => vi.unstubAllEnvs());

  it("lists NLTK_DATA's entries, then ~/nltk_data, then the system folders, as NLTK does", () => {
    const home = folder();
    vi.stubEnv("HOME", home);
    vi.stubEnv("NLTK_DATA", ["/data/one", "", "~/two"].join(delimiter));
    const path = nltkDataPath();
    expect(path.slice(0, 3)).toEqual(["/data/one", join(home, "two"), join(home, "nltk_data")]);
    expect(path).toContain("/usr/share/nltk_data");
    expect(path).toContain("/usr/local/share/nltk_data");
    expect(path).toContain("/usr/lib/nltk_data");
    expect(path).toContain("/usr/local/lib/nltk_data");
  });
});

describe("findPunktData and loadPunkt", () => {
  afterEach(() => vi.unstubAllEnvs());

  it("take the first NLTK data folder that has tokenizers/punkt_tab/english", async () => {
    const empty = folder();
    const { root, english } = dataRoot();
    vi.stubEnv("HOME", folder());
    vi.stubEnv("NLTK_DATA", [empty, root].join(delimiter));
    const found = findPunktData();
    expect(found.path).toBe(english);
    expect(found.searched[0]).toBe(join(empty, "tokenizers", "punkt_tab", "english"));
    expect((await loadPunkt()).tokenize(TEXT)).toEqual(WITH_PARAMETERS);
  });

  it("look in ~/nltk_data", async () => {
    const home = folder();
    const { root } = dataRoot();
    const { renameSync } = await import("node:fs");
    renameSync(root, join(home, "nltk_data"));
    vi.stubEnv("HOME", home);
    vi.stubEnv("NLTK_DATA", "");
    expect(findPunktData().path).toBe(
      join(home, "nltk_data", "tokenizers", "punkt_tab", "english"),
    );
  });

  it("accept an explicit path: the language folder or an NLTK data folder", async () => {
    const { root, english } = dataRoot();
    expect(findPunktData({ path: english }).path).toBe(english);
    expect(findPunktData({ path: root }).path).toBe(english);
    expect((await loadPunkt({ path: root })).tokenize(TEXT)).toEqual(WITH_PARAMETERS);
  });

  it("search nothing else when the explicit path lacks the parameters, and say what to do", async () => {
    vi.stubEnv("NLTK_DATA", dataRoot().root);
    const empty = folder();
    expect(findPunktData({ path: empty }).path).toBeUndefined();
    await expect(loadPunkt({ path: empty })).rejects.toMatchObject({
      code: "PUNKT_NOT_FOUND",
      message: expect.stringMatching(/not in .*punkt_tab.*nltk\.downloader punkt_tab/s),
    });
  });

  it("name every folder searched when there are no parameters anywhere", async () => {
    const empty = folder();
    vi.stubEnv("HOME", folder());
    vi.stubEnv("NLTK_DATA", empty);
    const error = await loadPunkt({ language: "klingon" }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "PUNKT_NOT_FOUND" });
    expect((error as Error).message).toContain(empty);
    expect((error as Error).message).toContain("tokenizers/punkt_tab/klingon");
  });

  it("refuse a language that is not a folder name, and options of the wrong type", async () => {
    await expect(loadPunkt({ language: "../../etc" })).rejects.toMatchObject({
      code: "VALIDATION_ERROR",
    });
    expect(() => findPunktData({ path: 5 } as unknown as { path: string })).toThrow(
      expect.objectContaining({
        code: "VALIDATION_ERROR",
        message: expect.stringContaining("path"),
      }),
    );
    expect(() => findPunktData({ dir: "/x" } as unknown as { path: string })).toThrow(
      expect.objectContaining({ code: "VALIDATION_ERROR" }),
    );
  });

  it("report a folder with a missing or malformed file instead of using part of the model", async () => {
    const missing = dataRoot({ "ortho_context.tab": undefined });
    await expect(loadPunkt({ path: missing.root })).rejects.toMatchObject({
      code: "PUNKT_PARAMETERS_INVALID",
      message: expect.stringContaining(missing.english),
    });
    const malformed = dataRoot({ "ortho_context.tab": "the\t18\nno-tab-here" });
    await expect(loadPunkt({ path: malformed.english })).rejects.toMatchObject({
      code: "PUNKT_PARAMETERS_INVALID",
      message: expect.stringContaining("ortho_context.tab, line 2"),
    });
  });
});

/** A fresh copy of the metrics module, so that its cached default model starts empty. */
async function freshMetrics(): Promise<typeof import("../../../src/evaluation/metrics/index.js")> {
  vi.resetModules();
  return await import("../../../src/evaluation/metrics/index.js");
}

describe("METEOR's default Punkt model", () => {
  let warn: ReturnType<typeof vi.spyOn>;
  beforeEach(() => {
    warn = vi.spyOn(console, "warn").mockImplementation(() => undefined);
  });
  afterEach(() => {
    warn.mockRestore();
    vi.unstubAllEnvs();
  });

  it("is read from NLTK_DATA on first use, and METEOR reports it", async () => {
    const { root, english } = dataRoot();
    vi.stubEnv("HOME", folder());
    vi.stubEnv("NLTK_DATA", root);
    const m = await freshMetrics();
    const model = m.getDefaultPunkt();
    expect(model.path).toBe(english);
    expect(model.tokenizer.tokenize(TEXT)).toEqual(WITH_PARAMETERS);
    const details = m.meteorScoreDetails(TEXT, TEXT);
    expect(details).toMatchObject({ sentenceSplitting: "punkt", punktPath: english });
    expect(details.referenceTokens.slice(0, 2)).toEqual(["Dr.", "Smith"]);
    expect(m.meteorScore(TEXT, TEXT)).toBe(details.score);
    expect(warn).not.toHaveBeenCalled();
  });

  it.skipIf(SYSTEM_PUNKT)(
    `without NLTK's data is Punkt without parameters, flagged, with one warning${SYSTEM_PUNKT ? " (skipped: a system NLTK folder has punkt_tab)" : ""}`,
    async () => {
      vi.stubEnv("HOME", folder());
      vi.stubEnv("NLTK_DATA", folder());
      const m = await freshMetrics();
      expect(m.findPunktData().path).toBeUndefined();
      const model = m.getDefaultPunkt();
      expect(model.path).toBeUndefined();
      expect(model.tokenizer.isEmpty).toBe(true);
      expect(model.tokenizer.tokenize(TEXT)).toEqual(WITHOUT_PARAMETERS);
      const details = m.meteorScoreDetails(TEXT, "Dr. Smith left.");
      expect(details.sentenceSplitting).toBe("punkt-without-parameters");
      expect(details.punktPath).toBeUndefined();
      expect(details.referenceTokens.slice(0, 3)).toEqual(["Dr", ".", "Smith"]);
      m.meteorScore(TEXT, TEXT);
      m.getDefaultPunkt();
      expect(warn).toHaveBeenCalledTimes(1);
      expect(String(warn.mock.calls[0]?.[0])).toMatch(
        /Punkt parameters .*not in any NLTK data folder.*nltk\.downloader punkt_tab.*without parameters/s,
      );
    },
  );

  it("is not looked for when METEOR is given a tokenizer or punkt: false", async () => {
    vi.stubEnv("HOME", folder());
    vi.stubEnv("NLTK_DATA", folder());
    const m = await freshMetrics();
    const given = new m.PunktSentenceTokenizer({ abbrevTypes: ["dr"] });
    expect(m.meteorScoreDetails(TEXT, TEXT, { punkt: given }).sentenceSplitting).toBe("punkt");
    const none = m.meteorScoreDetails(TEXT, TEXT, { punkt: false });
    expect(none.sentenceSplitting).toBe("none");
    expect(none.referenceTokens).toEqual(m.wordTokenize(TEXT));
    const empty = m.meteorScoreDetails(TEXT, TEXT, { punkt: new m.PunktSentenceTokenizer() });
    expect(empty.sentenceSplitting).toBe("punkt-without-parameters");
    expect(warn).not.toHaveBeenCalled();
  });

  it("throws, rather than scoring with part of the model, when the folder found is broken", async () => {
    const { root } = dataRoot({ "sent_starters.txt": undefined });
    vi.stubEnv("HOME", folder());
    vi.stubEnv("NLTK_DATA", root);
    const m = await freshMetrics();
    expect(() => m.meteorScore(TEXT, TEXT)).toThrow(
      expect.objectContaining({ code: "PUNKT_PARAMETERS_INVALID" }),
    );
  });

  it("becomes the one loadPunkt() read, when that came first", async () => {
    const { root, english } = dataRoot();
    vi.stubEnv("HOME", folder());
    vi.stubEnv("NLTK_DATA", root);
    const m = await freshMetrics();
    const loaded = await m.loadPunkt();
    expect(m.getDefaultPunkt()).toMatchObject({ tokenizer: loaded, path: english });
  });
});
