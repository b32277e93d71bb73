/**
 * Built-in LLM-as-judge prompt: score an answer from 1 to 10 against criteria, with the score on
 * a final JSON line that {@link parseJudgeScore} reads.
 *
 * @module
 */
import { FmopsError, redact } from "../../core/index.js";
import type { PromptDefinition } from "../template.js";

/** `fmops.judge.score`: question + answer (+ reference) -> reasoning and `{"score": n}`. */
export const judgeScore: PromptDefinition = {
  id: "fmops.judge.score",
  version: "1",
  description: "Grade an answer from 1 (unusable) to 10 (excellent) with a machine-readable score.",
  tags: ["fmops", "evaluation", "judge"],
  system: `You are a strict, impartial grader of answers written by an AI assistant.
Judge the answer only against the criteria. Length, confidence and style earn no credit unless the criteria ask for them.
When a reference answer is given, treat it as correct and penalize contradictions of it.

Scale:
1-2: wrong, harmful or off-topic
3-4: mostly wrong or missing the main point
5-6: partly correct, with notable errors or omissions
7-8: correct with minor issues
9-10: correct, complete and clear

First write two or three sentences of reasoning. Then end with one line holding only this JSON object:
{"score": <integer 1-10>, "reason": "<one short sentence>"}`,
  text: `Criteria: {{criteria}}

Question:
{{question}}

Reference answer (may be empty):
{{reference}}

Answer to grade:
{{answer}}`,
  variables: {
    criteria: { default: "correctness, completeness and relevance to the question" },
    question: { minLength: 1 },
    answer: {},
    reference: { default: "" },
  },
  modelHints: { inferenceConfig: { temperature: 0, maxTokens: 512 } },
};

/** A judge's verdict. */
export interface JudgeScore {
  /** Integer from 1 to 10. */
  score: number;
  /** The judge's one-sentence reason, when it gave one. */
  reason?: string;
}

/**
 * A judge's reply holds no usable score: none at all, or one that is not a finite integer from
 * 1 to 10 (`{"score": 1e309}` reads as Infinity and is refused). Code `JUDGE_SCORE_UNPARSEABLE`.
 */
export class JudgeScoreError extends FmopsError {
  constructor(message: string) {
    super("JUDGE_SCORE_UNPARSEABLE", message, { retryable: false });
  }
}

// A plain decimal number as text: no hex, no "Infinity", no "NaN", no empty string.
const DECIMAL = /^[+-]?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?$/;
// `score: n` or `"score" = n`; the number is taken whole (exponent included) so that `1e309`
// is read as Infinity and refused rather than as 1.
const SCORE_MENTION = /score"?\s*[:=]\s*([+-]?(?:\d+(?:\.\d+)?(?:[eE][+-]?\d+)?|Infinity|NaN))/gi;

/** A JSON `score` value as a number; NaN for anything that is not a number or decimal text. */
function scoreValue(raw: unknown): number {
  if (typeof raw === "number") return raw;
  if (typeof raw === "string" && DECIMAL.test(raw.trim())) return Number(raw.trim());
  return Number.NaN;
}

/**
 * Reads the score from a judge's reply: the last JSON object with a `score`, else the last
 * `score: n` mention. Throws {@link JudgeScoreError} (`JUDGE_SCORE_UNPARSEABLE`) when there is
 * none, or when that score is not a finite integer from 1 to 10; an earlier score never stands in
 * for a broken last one.
 *
 * @example
 * ```ts
 * parseJudgeScore('Mostly right.\n{"score": 8, "reason": "Minor omission."}'); // { score: 8, reason: "Minor omission." }
 * ```
 */
export function parseJudgeScore(reply: string): JudgeScore {
  const objects = reply.match(/\{[^{}]*\}/g) ?? [];
  for (const raw of objects.reverse()) {
    let v: unknown;
    try {
      v = JSON.parse(raw);
    } catch {
      continue; // Not JSON: keep looking.
    }
    if (typeof v !== "object" || v === null || !Object.hasOwn(v, "score")) continue;
    const { score, reason } = v as { score: unknown; reason?: unknown };
    return checked(scoreValue(score), reply, typeof reason === "string" ? reason : undefined);
  }
  const mentions = [...reply.matchAll(SCORE_MENTION)];
  const last = mentions[mentions.length - 1];
  if (last) return checked(Number(last[1]), reply, undefined);
  throw new JudgeScoreError(
    `The judge's reply has no score: "${redact(reply, 120)}". Use the fmops.judge.score prompt, whose last line is {"score": n}.`,
  );
}

function checked(score: number, reply: string, reason: string | undefined): JudgeScore {
  if (!Number.isFinite(score)) {
    throw new JudgeScoreError(
      `The judge's score is not a finite number (reply: "${redact(reply, 120)}"). Ask for an integer from 1 to 10 on the last line, as {"score": n}.`,
    );
  }
  if (!Number.isInteger(score) || score < 1 || score > 10) {
    throw new JudgeScoreError(
      `The judge's score ${score} is not an integer from 1 to 10 (reply: "${redact(reply, 120)}").`,
    );
  }
  return reason === undefined ? { score } : { score, reason };
}
