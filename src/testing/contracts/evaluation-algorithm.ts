/**
 * {@link evaluationAlgorithmContract}: the behaviour every {@link EvalAlgorithm} must share.
 *
 * @module
 */
import type { EvalAlgorithm, EvalSample, SampleScores } from "../../evaluation/index.js";
import {
  abortedSignal,
  type ContractCase,
  type ContractFactory,
  check,
  contractCase,
  describe,
  expectFmopsError,
  isFiniteNumber,
  rejection,
} from "./contract.js";

/** What the algorithm scores, and what it declares, for {@link evaluationAlgorithmContract}. */
export interface EvaluationAlgorithmContractOptions {
  /** The names of the scores every sample gets, as the algorithm documents them. */
  scores: readonly string[];
  /** Samples the algorithm can score: at least two, better with different scores. */
  samples: readonly EvalSample[];
  /**
   * A sample the algorithm cannot score: no target where it needs one, a judge reply it cannot
   * read, a reference query that fails. It must throw, so that `ModelEvaluator` records that one
   * record as failed and goes on.
   */
  failingSample: EvalSample;
}

// Codes that ModelEvaluator treats as a broken setup and stops the whole run on, rather than
// recording one failed record: a per-sample failure must not use them.
const RUN_STOPPING_CODES = new Set(["ABORTED", "MISSING_DEPENDENCY"]);

function isAlgorithm(value: unknown): boolean {
  const a = value as EvalAlgorithm | undefined;
  return (
    typeof a === "object" &&
    a !== null &&
    typeof a.evaluateSample === "function" &&
    typeof a.evaluate === "function"
  );
}

function sameScores(a: SampleScores, b: SampleScores): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => Object.is(a[k], b[k]));
}

/** Checks that `scores` are exactly the declared names, finite and within declared ranges. */
function checkScores(
  name: string,
  algorithm: EvalAlgorithm,
  declared: readonly string[],
  scores: unknown,
  i: number,
): SampleScores {
  check(
    typeof scores === "object" && scores !== null,
    name,
    `evaluateSample(sample ${i}) must resolve with an object of scores, got ${describe(scores)}`,
  );
  const got = Object.keys(scores).sort();
  const want = [...declared].sort();
  check(
    JSON.stringify(got) === JSON.stringify(want),
    name,
    `evaluateSample(sample ${i}) must report exactly the declared scores ${want.join(", ")}, got ${got.join(", ")}`,
  );
  for (const [score, value] of Object.entries(scores as SampleScores)) {
    check(
      isFiniteNumber(value),
      name,
      `sample ${i}'s ${score} must be a finite number, got ${describe(value)}`,
    );
    const range = algorithm.scoreRange?.(score);
    check(
      (range?.min === undefined || value >= range.min) &&
        (range?.max === undefined || value <= range.max),
      name,
      `sample ${i}'s ${score} is ${value}, outside the range the algorithm declares (${describe(range)})`,
    );
  }
  return scores as SampleScores;
}

/**
 * The contract every {@link EvalAlgorithm} meets, as a list of cases to hand to a test
 * framework. `factory` builds the algorithm with whatever it calls (a scripted judge model, a
 * local engine, a stand-in service); `options` says which scores it declares, samples it can
 * score and one it cannot.
 *
 * The cases check that `name` is set; that every sample is scored under exactly the declared
 * names with finite numbers inside the ranges `scoreRange` declares; that the same sample scores
 * the same every time, whatever was scored before; that `evaluate()` reports each declared score
 * with the mean of the per-sample scores; that a sample it cannot score throws an FmopsError that
 * fails that record only (not a run-stopping code such as `ABORTED`), after which the next sample
 * still scores as before; and that `evaluate()` with an aborted signal rejects with `ABORTED`.
 *
 * @example
 * ```ts
 * import { it } from "vitest";
 * import { QaAccuracy } from "fmops/evaluation";
 * import { evaluationAlgorithmContract } from "fmops/testing";
 *
 * const cases = evaluationAlgorithmContract(() => new QaAccuracy(), {
 *   scores: ["exact_match_score", "quasi_exact_match_score", "precision_over_words", "recall_over_words", "f1_score"],
 *   samples: [
 *     { output: "Paris", targets: ["Paris"] },
 *     { output: "It is Berlin, I think.", targets: ["Berlin"] },
 *   ],
 *   failingSample: { output: "Rome", targets: [] },
 * });
 * for (const c of cases) it(c.name, c.run);
 * ```
 */
export function evaluationAlgorithmContract(
  factory: ContractFactory<void, EvalAlgorithm>,
  options: EvaluationAlgorithmContractOptions,
): ContractCase[] {
  const { scores: declared, samples, failingSample } = options;
  const make = (name: string, body: (algorithm: EvalAlgorithm, name: string) => Promise<void>) =>
    contractCase(name, factory, isAlgorithm, "EvalAlgorithm", async (algorithm, caseName) => {
      check(
        declared.length > 0 && samples.length >= 2,
        caseName,
        "the contract needs the declared score names and at least two samples the algorithm can score",
      );
      await body(algorithm, caseName);
    });
  const scoreAll = async (name: string, algorithm: EvalAlgorithm, order: number[]) => {
    const out: SampleScores[] = [];
    for (const i of order) {
      out[i] = checkScores(
        name,
        algorithm,
        declared,
        await algorithm.evaluateSample(samples[i] as EvalSample),
        i,
      );
    }
    return out;
  };
  const indices = samples.map((_, i) => i);

  return [
    make("every sample is scored under exactly the declared names", async (algorithm, name) => {
      check(
        typeof algorithm.name === "string" && algorithm.name.length > 0,
        name,
        `algorithm.name (the key of its scores in results) must be a non-empty string, got ${describe(algorithm.name)}`,
      );
      await scoreAll(name, algorithm, indices);
    }),
    make("the same sample scores the same every time", async (algorithm, name) => {
      const first = await scoreAll(name, algorithm, indices);
      const again = await scoreAll(name, algorithm, [...indices].reverse());
      indices.forEach((i) => {
        check(
          sameScores(first[i] as SampleScores, again[i] as SampleScores),
          name,
          `sample ${i} scored ${describe(first[i])} and then ${describe(again[i])}: scores must not depend on when a sample is scored`,
        );
      });
    }),
    make("evaluate() reports the mean of each declared score", async (algorithm, name) => {
      const each = await scoreAll(name, algorithm, indices);
      const summaries = await algorithm.evaluate(samples);
      check(
        typeof summaries === "object" && summaries !== null,
        name,
        `evaluate() must resolve with a summary per score, got ${describe(summaries)}`,
      );
      const got = Object.keys(summaries).sort();
      check(
        JSON.stringify(got) === JSON.stringify([...declared].sort()),
        name,
        `evaluate() must summarize exactly the declared scores, got ${got.join(", ")}`,
      );
      for (const score of declared) {
        const summary = summaries[score];
        const mean = each.reduce((sum, s) => sum + (s[score] ?? 0), 0) / each.length;
        check(
          summary?.count === samples.length,
          name,
          `evaluate()'s ${score} must count ${samples.length} samples, got ${describe(summary)}`,
        );
        check(
          Math.abs(summary.mean - mean) <= 1e-9 * Math.max(1, Math.abs(mean)),
          name,
          `evaluate()'s ${score} mean must be ${mean} (the mean of the samples' scores), got ${summary.mean}`,
        );
      }
    }),
    make(
      "a sample it cannot score fails alone with an FmopsError, and the next one still scores",
      async (algorithm, name) => {
        const [before] = await scoreAll(name, algorithm, [0]);
        const err = await rejection(
          algorithm.evaluateSample(failingSample),
          name,
          "evaluateSample(failingSample)",
        );
        const typed = expectFmopsError(err, name, "evaluateSample(failingSample)");
        check(
          !RUN_STOPPING_CODES.has(typed.code),
          name,
          `a sample that cannot be scored must fail that record only, but code ${typed.code} stops the whole evaluation`,
        );
        const [after] = await scoreAll(name, algorithm, [0]);
        check(
          sameScores(before as SampleScores, after as SampleScores),
          name,
          `sample 0 scored ${describe(before)} before the failure and ${describe(after)} after it`,
        );
      },
    ),
    make("evaluate() with an aborted signal rejects with ABORTED", async (algorithm, name) => {
      const err = await rejection(
        algorithm.evaluate(samples, { signal: abortedSignal() }),
        name,
        "evaluate() with an aborted signal",
      );
      expectFmopsError(err, name, "evaluate() with an aborted signal", "ABORTED");
    }),
  ];
}
