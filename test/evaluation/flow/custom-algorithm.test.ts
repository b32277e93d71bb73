import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import {
  type EvalAlgorithm,
  ModelEvaluator,
  PrecomputedRunner,
} from "../../../src/evaluation/index.js";

const GUIDE = fileURLToPath(new URL("../../../docs/evaluation.md", import.meta.url));
const EVALUATION = fileURLToPath(new URL("../../../src/evaluation/index.ts", import.meta.url));

/**
 * The guide's "Writing your own algorithm" example, run as written: its import points at the
 * sources and its closing `console.log` hands the results to the test instead.
 */
async function runGuideExample(): Promise<{
  summary: Record<string, unknown>;
  AnswerLength: new (budget?: number) => EvalAlgorithm;
}> {
  const guide = await readFile(GUIDE, "utf8");
  const section = guide.slice(guide.indexOf("## Writing your own algorithm"));
  const block = /```ts\n([\s\S]*?)```/.exec(section)?.[1];
  if (block === undefined) throw new Error("docs/evaluation.md lost its algorithm example");
  const code = block
    .replace('"fmops/evaluation"', JSON.stringify(EVALUATION))
    .replace("console.log(summary.within_budget);", "export { summary, AnswerLength };");
  const dir = await mkdtemp(join(tmpdir(), "fmops-guide-"));
  try {
    const file = join(dir, "answer-length.ts");
    await writeFile(file, code);
    return await import(/* @vite-ignore */ file);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

describe("the guide's own algorithm on EvalAlgorithmBase", () => {
  it("runs as written and gets the skeleton's checks, ranges and marks", async () => {
    const { summary, AnswerLength } = await runGuideExample();
    expect(summary.within_budget).toMatchObject({
      count: 2,
      mean: 0.5,
      ci95: { lower: 0, upper: 1 },
      clipped: true,
      smallSample: true,
    });
    // length_ratio declares no maximum: 1 and 8 give 4.5 ± 44.5, cut at 0 only.
    const ratio = summary.length_ratio as { ci95: { lower: number; upper: number } };
    expect(ratio.ci95.lower).toBe(0);
    expect(ratio.ci95.upper).toBeCloseTo(4.5 + 12.706 * 3.5, 10);

    const algorithm = new AnswerLength(5);
    await expect(algorithm.evaluateSample({ output: "x", targets: [] })).rejects.toMatchObject({
      code: "EVAL_TARGET_MISSING",
    });
    const aborted = AbortSignal.abort();
    await expect(
      algorithm.evaluateSample({ output: "x", targets: ["y"] }, { signal: aborted }),
    ).rejects.toMatchObject({ code: "ABORTED" });
  });

  it("joins ModelEvaluator next to a built-in, failures isolated and intervals cut", async () => {
    const { AnswerLength } = await runGuideExample();
    const records = ["Paris", "It is Rome.", "Berlin"].map((out, i) => ({
      index: i,
      line: i + 1,
      input: `q${i}`,
      // The third record has no target: the algorithm refuses it and the run goes on.
      targets: i === 2 ? [] : ["Paris"],
      data: { out },
    }));
    const result = await new ModelEvaluator({
      runner: new PrecomputedRunner({ output: "out" }),
      algorithms: [new AnswerLength(2)],
    }).evaluate(records);
    expect(result.numFailed).toBe(1);
    expect(result.failures).toEqual({ EVAL_TARGET_MISSING: 1 });
    expect(result.scores.answer_length?.within_budget).toMatchObject({
      count: 2,
      mean: 0.5,
      ci95: { lower: 0, upper: 1 },
      clipped: true,
    });
  });
});
