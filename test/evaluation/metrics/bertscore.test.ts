import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MissingDependencyError } from "../../../src/core/errors.js";
import { loadOptional } from "../../../src/core/optional.js";
import {
  type BertScore,
  type BertScoreLibrary,
  BertScorer,
  FMEVAL_BERTSCORE_MODEL,
} from "../../../src/evaluation/metrics/index.js";
import { row, type TINY_VOCAB, writeBertScoreModel } from "./bertscore-model.js";

type Token = (typeof TINY_VOCAB)[number];

let root: string;
let folder: string;
/** The same model with `model_max_length: 4` in tokenizer_config.json. */
let shortFolder: string;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "fmops-bertscore-"));
  folder = join(root, "local", "tiny-bertscore");
  shortFolder = join(root, "short");
  await writeBertScoreModel(folder);
  await writeBertScoreModel(shortFolder, 4);
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

function expectScore(actual: BertScore | undefined, expected: BertScore, digits = 6): void {
  expect(actual).toBeDefined();
  expect(actual?.precision).toBeCloseTo(expected.precision, digits);
  expect(actual?.recall).toBeCloseTo(expected.recall, digits);
  expect(actual?.f1).toBeCloseTo(expected.f1, digits);
}

const f1 = (p: number, r: number) => (2 * p * r) / (p + r);

/**
 * An independent, loop-by-loop BERTScore over hand-tokenized texts ("[CLS]" words "[SEP]"),
 * straight from the bert_score definitions, for comparison on many pairs.
 */
function reference(ref: Token[], cand: Token[], weight: (t: Token) => number): BertScore {
  const wrap = (tokens: Token[]): Token[] => ["[CLS]", ...tokens, "[SEP]"];
  const unit = (t: Token) => {
    const v = row(t);
    const norm = Math.hypot(...v);
    return v.map((x) => x / norm);
  };
  const cos = (a: Token, b: Token) => {
    const u = unit(a);
    const v = unit(b);
    return u.reduce((s, x, k) => s + x * (v[k] as number), 0);
  };
  const r = wrap(ref);
  const c = wrap(cand);
  const side = (from: Token[], to: Token[]) => {
    let num = 0;
    let den = 0;
    for (const t of from) {
      const best = Math.max(...to.map((u) => cos(t, u)));
      num += weight(t) * best;
      den += weight(t);
    }
    return num / den;
  };
  const p = side(c, r);
  const rec = side(r, c);
  const f = f1(p, rec);
  return { precision: p, recall: rec, f1: Number.isNaN(f) ? 0 : f };
}

const plainWeight = (t: Token) => (t === "[CLS]" || t === "[SEP]" ? 0 : 1);

describe("BertScorer with a generated ONNX model", () => {
  it("scores identical texts 1 and normalises the token vectors first", async () => {
    const scorer = new BertScorer({ model: folder });
    expect(scorer.model).toBe(folder);
    expectScore(await scorer.score("hello world", "hello world"), {
      precision: 1,
      recall: 1,
      f1: 1,
    });
    // blue = 3 * world: only the direction counts.
    expectScore(await scorer.score("Hello world", "hello blue"), {
      precision: 1,
      recall: 1,
      f1: 1,
    });
    await scorer.dispose();
  });

  it("scores orthogonal one-hot tokens 0, with F1 0/0 taken as 0", async () => {
    const scorer = new BertScorer({ model: folder });
    expect(await scorer.score("hello", "world")).toEqual({ precision: 0, recall: 0, f1: 0 });
  });

  it("matches each token greedily: a worked partial overlap", async () => {
    const scorer = new BertScorer({ model: folder });
    // Candidate dogs, and; reference cats, and, the.
    // Precision: dogs -> cats 0.6, and -> and 1: (0.6 + 1) / 2 = 0.8.
    // Recall: cats -> dogs 0.6, and -> and 1, the -> and 0.6: 2.2 / 3 = 11/15.
    // F1 = 2 * 0.8 * 11/15 / (0.8 + 11/15) = 88/115.
    const score = await scorer.score("cats and the", "dogs and");
    expectScore(score, { precision: 0.8, recall: 11 / 15, f1: 88 / 115 });
    // Swapping the texts swaps precision and recall.
    expectScore(await scorer.score("dogs and", "cats and the"), {
      precision: 11 / 15,
      recall: 0.8,
      f1: 88 / 115,
    });
  });

  it("gives [CLS]/[SEP] weight 0 but keeps them as match targets, as bert_score does", async () => {
    const scorer = new BertScorer({ model: folder });
    // "is" points where [CLS] points: its best match in "[CLS] hello [SEP]" is [CLS] (cos 1), so
    // precision is 1; hello's best match in "[CLS] is [SEP]" has cos 0. Masking the specials out
    // of the matrix would give precision 0.
    expectScore(await scorer.score("hello", "is"), { precision: 1, recall: 0, f1: 0 });
    // Every word pair here has a negative cosine (-1, -0.8); the specials' 0 wins the max.
    expect(await scorer.score("sky", "hello the")).toEqual({ precision: 0, recall: 0, f1: 0 });
  });

  it("scores an empty candidate or reference 0, as bert_score does", async () => {
    const scorer = new BertScorer({ model: folder });
    const zero = { precision: 0, recall: 0, f1: 0 };
    expect(await scorer.score("hello world", "")).toEqual(zero);
    expect(await scorer.score("hello world", " \n\t ")).toEqual(zero);
    expect(await scorer.score("", "hello world")).toEqual(zero);
    expect(await scorer.score("", "")).toEqual(zero);
    // A control character alone is removed by BERT's normalizer: nothing but [CLS] [SEP] remains.
    expect(await scorer.score("hello", "\u0000")).toEqual(zero);
  });

  it("weighs tokens by idf over the given references, with +1 smoothing", async () => {
    const references = ["hello world", "hello cats", "the sky"];
    const scorer = new BertScorer({ model: folder, idf: { references } });
    // M = 3. df: [CLS] = [SEP] = 3 (idf log(4/4) = 0), hello 2 (log 4/3), world, cats, the, sky 1
    // (log 2); dogs is in none: log(4/1) = log 4.
    // Candidate the, dogs vs reference hello, cats:
    // precision = (0.8 * log 2 + 0.6 * log 4) / (log 2 + log 4) = (0.8 + 1.2) / 3 = 2/3.
    // recall = (0.8 * log(4/3) + 0.6 * log 2) / (log(4/3) + log 2).
    const p = 2 / 3;
    const r = (0.8 * Math.log(4 / 3) + 0.6 * Math.log(2)) / (Math.log(4 / 3) + Math.log(2));
    expectScore(await scorer.score("hello cats", "the dogs"), {
      precision: p,
      recall: r,
      f1: f1(p, r),
    });
    // Without idf both are 0.7.
    expectScore(await new BertScorer({ model: folder }).score("hello cats", "the dogs"), {
      precision: 0.7,
      recall: 0.7,
      f1: 0.7,
    });
  });

  it("returns NaN precision when every candidate token has idf 0, as bert_score does", async () => {
    // "hello" is in every reference: idf log(2/2) = 0, so precision is 0/0; F1 becomes 0.
    const scorer = new BertScorer({ model: folder, idf: { references: ["hello"] } });
    const score = await scorer.score("world", "hello");
    expect(score.precision).toBeNaN();
    expect(score.recall).toBe(0);
    expect(score.f1).toBe(0);
  });

  it("rescales with the given baseline: (score - b) / (1 - b)", async () => {
    const baseline = { precision: 0.5, recall: 0.25, f1: 0.4 };
    const scorer = new BertScorer({ model: folder, baseline });
    expectScore(await scorer.score("cats and the", "dogs and"), {
      precision: (0.8 - 0.5) / 0.5,
      recall: (11 / 15 - 0.25) / 0.75,
      f1: (88 / 115 - 0.4) / 0.6,
    });
    // bert_score rescales after zeroing an empty text, so its scores go negative.
    expectScore(await scorer.score("hello", ""), {
      precision: -1,
      recall: -1 / 3,
      f1: -2 / 3,
    });
    expect(() => new BertScorer({ model: folder, baseline: { ...baseline, f1: 1 } })).toThrow(
      /baseline\.f1/,
    );
  });

  it("truncates to maxLength keeping the closing [SEP], as Hugging Face truncation does", async () => {
    // [CLS] hello world cats dogs [SEP] cut to 4: [CLS] hello world [SEP], the reference exactly.
    // Cutting the raw ids ([CLS] hello world cats) would give precision 2/3; no cut, 1/2.
    const scorer = new BertScorer({ model: folder, maxLength: 4 });
    expectScore(await scorer.score("hello world", "hello world cats dogs"), {
      precision: 1,
      recall: 1,
      f1: 1,
    });
    // The default is the tokenizer's model_max_length.
    const short = new BertScorer({ model: shortFolder });
    expectScore(await short.score("hello world", "hello world cats dogs"), {
      precision: 1,
      recall: 1,
      f1: 1,
    });
    // Untruncated: cats and dogs find nothing (precision 2/4), recall 1.
    expectScore(
      await new BertScorer({ model: folder }).score("hello world", "hello world cats dogs"),
      {
        precision: 0.5,
        recall: 1,
        f1: f1(0.5, 1),
      },
    );
    // Two slots are the specials: a maxLength of 2 leaves no room for text.
    await expect(
      new BertScorer({ model: folder, maxLength: 2 }).score("hello", "hello"),
    ).rejects.toMatchObject({
      code: "VALIDATION_ERROR",
      message: expect.stringMatching(/maxLength/),
    });
  });

  it("matches an independent loop-by-loop computation on many pairs, batched and padded", async () => {
    const words: Token[] = ["hello", "world", "cats", "dogs", "and", "the", "sky", "blue", "is"];
    // A fixed linear congruential sequence: the same pairs on every run.
    let state = 12345;
    const next = (n: number) => {
      state = (state * 1103515245 + 12345) % 2 ** 31;
      return state % n;
    };
    const sentence = () =>
      Array.from({ length: 1 + next(5) }, () => words[next(words.length)] as Token);
    const pairs = Array.from({ length: 30 }, () => ({ ref: sentence(), cand: sentence() }));
    pairs.push({ ref: pairs[0]?.ref ?? [], cand: pairs[0]?.ref ?? [] }); // a repeated text
    const scorer = new BertScorer({ model: folder, batchSize: 3 });
    const scores = await scorer.scoreBatch(
      pairs.map((p) => ({ reference: p.ref.join(" "), candidate: p.cand.join(" ") })),
    );
    expect(scores).toHaveLength(pairs.length);
    pairs.forEach((p, i) => {
      expectScore(scores[i], reference(p.ref, p.cand, plainWeight));
    });
    // One at a time gives the same numbers as the padded batches.
    const single = new BertScorer({ model: folder, batchSize: 1 });
    for (const [i, p] of pairs.slice(0, 5).entries()) {
      expect(await single.score(p.ref.join(" "), p.cand.join(" "))).toEqual(scores[i]);
    }
    expect(await scorer.scoreBatch([])).toEqual([]);
  });

  it("finds a hub-style id under localModelPath", async () => {
    const scorer = new BertScorer({
      model: `${basename(dirname(folder))}/${basename(folder)}`,
      localModelPath: root,
    });
    expectScore(await scorer.score("cats and the", "dogs and"), {
      precision: 0.8,
      recall: 11 / 15,
      f1: 88 / 115,
    });
  });

  it("stops between batches when the signal aborts", async () => {
    const controller = new AbortController();
    let passes = 0;
    // The real library, with the model wrapped to abort right after the first forward pass.
    const loadLibrary = async (): Promise<BertScoreLibrary> => {
      const lib = (await import("@huggingface/transformers")) as unknown as BertScoreLibrary;
      return {
        AutoTokenizer: lib.AutoTokenizer,
        Tensor: lib.Tensor,
        AutoModel: {
          from_pretrained: async (model, options) => {
            const real = (await lib.AutoModel.from_pretrained(model, options)) as (
              inputs: Record<string, unknown>,
            ) => Promise<Record<string, unknown>>;
            return async (inputs: Record<string, unknown>) => {
              passes++;
              const out = await real(inputs);
              controller.abort(new Error("stop"));
              return out;
            };
          },
        },
      };
    };
    const scorer = new BertScorer({ model: folder, batchSize: 1, loadLibrary });
    const error = await scorer
      .scoreBatch(
        [
          { reference: "hello", candidate: "world" },
          { reference: "cats", candidate: "dogs" },
        ],
        { signal: controller.signal },
      )
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "ABORTED" });
    expect(passes).toBe(1);
    await expect(
      scorer.score("hello", "hello", { signal: AbortSignal.abort(new Error("already")) }),
    ).rejects.toMatchObject({ code: "ABORTED" });
  });

  it("names the missing files and says nothing is downloaded", async () => {
    const missing = join(root, "not-exported");
    const error = await new BertScorer({ model: missing })
      .score("hello", "hello")
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "MODEL_NOT_FOUND", retryable: false });
    expect((error as Error).message).toContain(join(missing, "config.json"));
    expect((error as Error).message).toContain("never downloads");
    expect((error as Error).message).toContain("layer 40");
  });
});

describe("BertScorer without the package", () => {
  it("throws MISSING_DEPENDENCY on first use, not in the constructor, and retries later", async () => {
    let imports = 0;
    const scorer = new BertScorer({
      model: "/nowhere",
      loadLibrary: () => {
        imports++;
        return loadOptional("@fmops-test/transformers-not-installed", "BertScorer");
      },
    });
    expect(imports).toBe(0);
    const error = await scorer.score("a", "b").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MissingDependencyError);
    expect((error as MissingDependencyError).code).toBe("MISSING_DEPENDENCY");
    expect((error as MissingDependencyError).message).toContain("BertScorer");
    await scorer.score("a", "b").catch(() => undefined);
    expect(imports).toBe(2);
  });

  it("validates options and inputs", async () => {
    expect(() => new BertScorer({ model: "" })).toThrow(/model/);
    expect(() => new BertScorer({ model: folder, idf: { references: [] } })).toThrowError(
      expect.objectContaining({ code: "VALIDATION_ERROR", message: expect.stringMatching(/idf/) }),
    );
    expect(() => new BertScorer({ model: folder, batchSize: 0 })).toThrow(/batchSize/);
    expect(() => new BertScorer({ model: folder, idf: true as unknown as false })).toThrowError(
      expect.objectContaining({ code: "VALIDATION_ERROR" }),
    );
    const scorer = new BertScorer({ model: folder });
    await expect(
      scorer.scoreBatch([{ reference: "a", candidate: 1 as unknown as string }]),
    ).rejects.toMatchObject({
      code: "VALIDATION_ERROR",
      message: expect.stringMatching(/pairs\.0\.candidate/),
    });
  });

  it("names fmeval's default model and layer", () => {
    expect(FMEVAL_BERTSCORE_MODEL).toEqual({
      model: "microsoft/deberta-xlarge-mnli",
      numLayers: 40,
    });
  });
});
