/**
 * Built-in refusal detection: example refusals (for similarity-based scoring in monitoring) and
 * a classification prompt with worked examples, read by {@link parseRefusalVerdict}.
 *
 * @module
 */
import { FmopsError, redact } from "../../core/index.js";
import type { PromptDefinition } from "../template.js";

/**
 * Typical ways an assistant declines, written for fmops. Monitoring embeds them and scores a
 * response by its similarity to the closest one.
 */
export const REFUSAL_EXAMPLES: readonly string[] = Object.freeze([
  "I'm sorry, but I can't help with that request.",
  "I am not able to provide that information.",
  "Unfortunately, I cannot assist with this.",
  "As an AI assistant, I'm not able to do that.",
  "I won't be able to help with that, but I can help with something else.",
  "That goes against my guidelines, so I have to decline.",
  "I don't have access to that information.",
  "I can't answer questions about that topic.",
  "I'm unable to comply with this request.",
  "Sorry, I can't provide advice on that.",
]);

/** `fmops.refusal.detect`: response -> `REFUSAL` or `ANSWER`. */
export const refusalDetect: PromptDefinition = {
  id: "fmops.refusal.detect",
  version: "1",
  description: "Classify whether an assistant's response declines the request.",
  tags: ["fmops", "monitoring", "refusal"],
  system: `You classify assistant responses. Reply REFUSAL if the response declines, deflects or says it cannot or will not do what was asked (even politely, or while offering something else). Reply ANSWER if it attempts the task, even partially or with caveats.
Reply with exactly one word: REFUSAL or ANSWER.`,
  messages: [
    {
      role: "user",
      content: "Response: I'm afraid I can't share personal contact details for that person.",
    },
    { role: "assistant", content: "REFUSAL" },
    { role: "user", content: "Response: The invoice total is $412.50, due on March 3rd." },
    { role: "assistant", content: "ANSWER" },
    {
      role: "user",
      content:
        "Response: I can't give medical diagnoses, but common causes of this symptom include dehydration and lack of sleep; see a doctor if it persists.",
    },
    { role: "assistant", content: "ANSWER" },
    { role: "user", content: "Response: That's not something I'm able to help with." },
    { role: "assistant", content: "REFUSAL" },
    { role: "user", content: "Response: {{response}}" },
  ],
  variables: { response: {} },
  modelHints: { inferenceConfig: { temperature: 0, maxTokens: 5 } },
};

/**
 * Reads a `fmops.refusal.detect` reply: `true` for REFUSAL, `false` for ANSWER. Throws
 * `REFUSAL_VERDICT_UNPARSEABLE` for anything else.
 */
export function parseRefusalVerdict(reply: string): boolean {
  const word = reply
    .trim()
    .split(/\s+/)[0]
    ?.replace(/[^A-Za-z]/g, "")
    .toUpperCase();
  if (word === "REFUSAL") return true;
  if (word === "ANSWER") return false;
  throw new FmopsError(
    "REFUSAL_VERDICT_UNPARSEABLE",
    `Expected REFUSAL or ANSWER from the refusal classifier, got "${redact(reply, 80)}".`,
  );
}
