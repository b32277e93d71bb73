/**
 * Screens prompts and answers with an Amazon Bedrock guardrail: a standalone check, a chat model
 * wrapped with `withGuardrail`, and a RAG answer checked for grounding in its passages.
 *
 *   node --import tsx examples/guardrail.ts          # against a local Bedrock Runtime stand-in
 *   FMOPS_GUARDRAIL_ID=gr1abc2def3g FMOPS_GUARDRAIL_VERSION=1 AWS_REGION=us-east-1 \
 *     node --import tsx examples/guardrail.ts        # against your guardrail
 *
 * Without FMOPS_GUARDRAIL_ID it starts a stand-in on 127.0.0.1 that speaks ApplyGuardrail's real
 * wire format with a scripted policy: "investment advice" is a denied topic, e-mail addresses are
 * masked, and answers must score 0.7 on contextual grounding. The chat model is a scripted fake,
 * so no model is called either way.
 */
import { Guardrail, GuardrailInterventionError, withGuardrail } from "../src/models/index.js";
import { Bm25Index, RagChain } from "../src/rag/index.js";
import { FakeChatModel } from "../src/testing/index.js";
import { startBedrockRuntime } from "../test/emulators/index.js";

async function main(): Promise<void> {
  const guardrailId = process.env.FMOPS_GUARDRAIL_ID || undefined;
  const standIn = guardrailId
    ? undefined
    : await startBedrockRuntime({
        applyGuardrail: {
          guardrailId: "example-guardrail",
          guardrailVersion: "1",
          deniedTopics: [{ name: "Investment advice", words: ["stocks", "crypto", "invest"] }],
          email: "ANONYMIZED",
          groundingThreshold: 0.7,
          blockedInputMessaging: "Sorry, I can't give investment advice.",
          blockedOutputsMessaging: "Sorry, I can't give that answer.",
        },
      });
  try {
    const guardrail = new Guardrail(
      standIn
        ? { guardrailId: "example-guardrail", guardrailVersion: "1", client: standIn.client }
        : {
            guardrailId: guardrailId as string,
            guardrailVersion: process.env.FMOPS_GUARDRAIL_VERSION || "DRAFT",
          },
    );

    // 1. A standalone check: the result says what to use and why.
    const masked = await guardrail.check("Please email me at ana@example.com", { source: "INPUT" });
    console.log(`check:    ${masked.action}, blocked=${masked.blocked}, text="${masked.text}"`);
    console.log(
      `          findings: ${masked.findings.map((f) => `${f.kind}:${f.action}`).join(", ")}`,
    );

    // 2. Any chat model, wrapped: prompts are checked before the call, answers after it.
    const model = withGuardrail(
      new FakeChatModel({ responses: ["Your ticket is open; we will write to {EMAIL}."] }),
      guardrail,
    );
    try {
      await model.generate({ messages: [{ role: "user", content: "Which stocks should I buy?" }] });
    } catch (err) {
      if (!(err instanceof GuardrailInterventionError)) throw err;
      console.log(`blocked:  ${err.code} (${err.source}): "${err.blockedMessage}"`);
    }

    // 3. A RAG answer checked for grounding in the passages it was given.
    const index = new Bm25Index();
    index.add([{ id: "hours#0", text: "The support desk is open from 9 to 17 on weekdays." }]);
    for (const answer of [
      "The support desk is open from 9 to 17 on weekdays [1].",
      "It never closes.",
    ]) {
      const rag = new RagChain({
        retriever: index,
        model: new FakeChatModel({ responses: [answer] }),
        guardrail,
      });
      try {
        const result = await rag.ask("When is the support desk open?");
        console.log(`grounded: "${result.answer}"`);
      } catch (err) {
        if (!(err instanceof GuardrailInterventionError)) throw err;
        const grounding = err.findings.find((f) => f.kind === "contextualGrounding");
        console.log(
          `refused:  "${answer}" (${grounding ? `grounding ${grounding.score} < ${grounding.threshold}` : err.message})`,
        );
      }
    }
  } finally {
    await standIn?.close();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
