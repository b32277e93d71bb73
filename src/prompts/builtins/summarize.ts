/**
 * Built-in summarization prompt.
 *
 * @module
 */
import type { PromptDefinition } from "../template.js";

/** `fmops.summarize`: text -> summary of at most `maxWords` words, optionally focused. */
export const summarizeText: PromptDefinition = {
  id: "fmops.summarize",
  version: "1",
  description: "Summarize a text faithfully in at most a given number of words.",
  tags: ["fmops", "summarization"],
  system: `You summarize documents faithfully.
Keep the main points, key numbers and names; leave out examples and repetition.
Never add facts that are not in the text. Write plain prose, no headings or lists.`,
  text: `Summarize the text below in at most {{maxWords}} words. {{focus}}

Text:
{{text}}`,
  variables: {
    text: { minLength: 1 },
    maxWords: { type: "integer", default: 100, minimum: 5, maximum: 2000 },
    focus: {
      description: "Optional instruction, e.g. 'Focus on the financial results.'",
      default: "",
    },
  },
  modelHints: { inferenceConfig: { temperature: 0.2 } },
};
