/**
 * Built-in retrieval-augmented generation prompts: answer from numbered passages with citations,
 * and condense a follow-up question into a standalone one.
 *
 * @module
 */
import type { PromptDefinition } from "../template.js";

/** `fmops.rag.answer`: question + numbered passages -> answer citing passages as [n]. */
export const ragAnswer: PromptDefinition = {
  id: "fmops.rag.answer",
  version: "1",
  description: "Answer a question only from numbered passages, citing them as [1], [2].",
  tags: ["fmops", "rag"],
  system: `You answer questions using only the numbered passages provided.
- Support every claim with the passage numbers it comes from, in square brackets, e.g. [2] or [1][3].
- If the passages do not contain the answer, say that you cannot find it in the provided sources; do not use outside knowledge.
- Be concise and write in the language of the question.`,
  text: `Passages:
{{context}}

Question: {{question}}`,
  variables: {
    context: {
      description: "Retrieved passages, each starting with its number in brackets",
      minLength: 1,
    },
    question: { minLength: 1, maxLength: 4000 },
  },
  modelHints: { inferenceConfig: { temperature: 0.2, maxTokens: 1024 } },
};

/** `fmops.rag.condense`: chat history + follow-up -> a standalone question for retrieval. */
export const ragCondense: PromptDefinition = {
  id: "fmops.rag.condense",
  version: "1",
  description: "Rewrite a follow-up question so it can be understood without the conversation.",
  tags: ["fmops", "rag"],
  system: `Rewrite the user's latest message as one standalone question that can be understood without the conversation.
Resolve pronouns and references ("it", "that one", "the second option") using the conversation.
Keep names, numbers and constraints exactly. If the message already stands alone, return it unchanged.
Reply with the question only.`,
  text: `Conversation:
{{history}}

Latest message: {{question}}`,
  variables: {
    history: {
      description:
        "Earlier turns: each speaker's name ('User:' / 'Assistant:') on its own line, then the turn fenced as untrusted data",
    },
    question: { minLength: 1, maxLength: 4000 },
  },
  modelHints: { inferenceConfig: { temperature: 0, maxTokens: 256 } },
};
