import { toUtf8 } from "@smithy/util-utf8";
import { afterEach, describe, expect, it } from "vitest";
import { Guardrail, GuardrailInterventionError } from "../../src/models/guardrail.js";
import { Bm25Index } from "../../src/rag/bm25.js";
import { RagChain } from "../../src/rag/rag-chain.js";
import { FakeChatModel } from "../../src/testing/fake-chat-model.js";
import {
  type BedrockRuntimeStandIn,
  type ScriptedGuardrailPolicy,
  startBedrockRuntime,
} from "../emulators/index.js";

const POLICY: ScriptedGuardrailPolicy = {
  guardrailId: "grounding1",
  guardrailVersion: "1",
  email: "ANONYMIZED",
  groundingThreshold: 0.7,
  blockedOutputsMessaging: "The answer is not supported by the sources.",
};

function index() {
  const bm25 = new Bm25Index();
  bm25.add([
    { id: "tower#0", text: "The Eiffel Tower is in Paris and is 330 metres tall." },
    { id: "bridge#0", text: "Tower Bridge crosses the Thames in London." },
  ]);
  return bm25;
}

describe("RagChain with a guardrail", () => {
  let br: BedrockRuntimeStandIn | undefined;
  afterEach(async () => {
    await br?.close();
    br = undefined;
  });

  async function chain(answer: string) {
    br = await startBedrockRuntime({ applyGuardrail: POLICY });
    const guardrail = new Guardrail({
      guardrailId: "grounding1",
      guardrailVersion: "1",
      client: br.client,
    });
    return new RagChain({
      retriever: index(),
      model: new FakeChatModel({ responses: [answer] }),
      guardrail,
    });
  }

  it("checks the answer's grounding in the passages given to the model, with the question as query", async () => {
    const rag = await chain("The Eiffel Tower is in Paris [1].");
    const result = await rag.ask("Where is the Eiffel Tower?");
    expect(result.answer).toBe("The Eiffel Tower is in Paris [1].");
    const body = JSON.parse(toUtf8(br?.requests[0]?.body ?? new Uint8Array()));
    expect(body.source).toBe("OUTPUT");
    const [source, query, guarded] = body.content;
    expect(source.text.qualifiers).toEqual(["grounding_source"]);
    for (const chunk of result.chunks) expect(source.text.text).toContain(chunk.text);
    expect(query.text).toEqual({ text: "Where is the Eiffel Tower?", qualifiers: ["query"] });
    expect(guarded.text).toEqual({
      text: "The Eiffel Tower is in Paris [1].",
      qualifiers: ["guard_content"],
    });
  });

  it("an ungrounded answer throws GUARDRAIL_INTERVENED with the grounding finding", async () => {
    const rag = await chain("It was moved to Rome by aliens in 1999.");
    const err = await rag.ask("Where is the Eiffel Tower?").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GuardrailInterventionError);
    expect((err as GuardrailInterventionError).findings[0]).toMatchObject({
      kind: "contextualGrounding",
      type: "GROUNDING",
      action: "BLOCKED",
    });
  });

  it("returns the masked answer when the guardrail anonymized it", async () => {
    const rag = await chain(
      "The Eiffel Tower is in Paris and is 330 metres tall; mail tower@paris.fr [1].",
    );
    const result = await rag.ask("Where is the Eiffel Tower?");
    expect(result.answer).toBe(
      "The Eiffel Tower is in Paris and is 330 metres tall; mail {EMAIL} [1].",
    );
  });
});
