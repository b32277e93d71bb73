import { afterEach, describe, expect, it } from "vitest";
import { Guardrail, GuardrailInterventionError } from "../../src/models/guardrail.js";
import { FakeChatModel } from "../../src/testing/fake-chat-model.js";
import { Text2Sql } from "../../src/text2sql/text2sql.js";
import type { SqlEngine } from "../../src/text2sql/types.js";
import { type BedrockRuntimeStandIn, startBedrockRuntime } from "../emulators/index.js";

const engine: SqlEngine = {
  dialect: "Scripted",
  validate: async () => {
    throw new Error("not reached in these tests");
  },
  execute: async () => {
    throw new Error("not reached in these tests");
  },
};

describe("Text2Sql with a guardrail", () => {
  let br: BedrockRuntimeStandIn | undefined;
  afterEach(async () => {
    await br?.close();
    br = undefined;
  });

  async function text2sql(model: FakeChatModel) {
    br = await startBedrockRuntime({
      applyGuardrail: {
        guardrailId: "sqlguard",
        guardrailVersion: "DRAFT",
        deniedTopics: [{ name: "Salaries", words: ["salary", "salaries"] }],
        email: "ANONYMIZED",
      },
    });
    const guardrail = new Guardrail({
      guardrailId: "sqlguard",
      guardrailVersion: "DRAFT",
      client: br.client,
    });
    return new Text2Sql({
      model,
      engine,
      tables: [
        {
          name: "orders",
          columns: [
            { name: "id", type: "bigint" },
            { name: "email", type: "varchar" },
          ],
        },
      ],
      guardrail,
    });
  }

  it("a question the guardrail blocks never reaches the model", async () => {
    const model = new FakeChatModel({ responses: ["SELECT 1"] });
    const t2s = await text2sql(model);
    const err = await t2s.ask("List every salary in the company").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GuardrailInterventionError);
    expect(err).toMatchObject({ code: "GUARDRAIL_INTERVENED", source: "INPUT" });
    expect(model.requests).toHaveLength(0);
  });

  it("the model sees the masked question", async () => {
    const model = new FakeChatModel({ responses: ["UNANSWERABLE: no such data."] });
    const t2s = await text2sql(model);
    const result = await t2s.ask("How many orders did ana@example.com place?");
    const prompt = JSON.stringify(model.requests[0]);
    expect(prompt).toContain("How many orders did {EMAIL} place?");
    expect(prompt).not.toContain("ana@example.com");
    expect(result.question).toBe("How many orders did {EMAIL} place?");
  });
});
