import { toUtf8 } from "@smithy/util-utf8";
import { afterEach, describe, expect, it } from "vitest";
import {
  AbortedError,
  AwsServiceError,
  PermissionDeniedError,
  TimeoutError,
  ValidationError,
} from "../../src/core/errors.js";
import {
  Guardrail,
  GuardrailInterventionError,
  type GuardrailOptions,
} from "../../src/models/guardrail.js";
import { withGuardrail } from "../../src/models/with-guardrail.js";
import { FakeChatModel } from "../../src/testing/fake-chat-model.js";
import {
  type BedrockRuntimeHandlers,
  type BedrockRuntimeStandIn,
  type ScriptedGuardrailPolicy,
  standInError,
  startBedrockRuntime,
} from "../emulators/index.js";

const POLICY: ScriptedGuardrailPolicy = {
  guardrailId: "gr1abc2def3g",
  guardrailVersion: "3",
  deniedTopics: [{ name: "Investment advice", words: ["stocks", "crypto"] }],
  customWords: ["frobnicate"],
  profanity: ["darn"],
  email: "ANONYMIZED",
  regexes: [{ name: "ORDER_ID", regex: "ORD-\\d{6}", action: "ANONYMIZED" }],
  groundingThreshold: 0.7,
  relevanceThreshold: 0.5,
  blockedInputMessaging: "I can't help with that request.",
  blockedOutputsMessaging: "I can't share that answer.",
};

const user = (content: string) => ({ messages: [{ role: "user" as const, content }] });

describe("Guardrail (ApplyGuardrail through the real SDK client)", () => {
  let br: BedrockRuntimeStandIn | undefined;
  let release: (() => void) | undefined;
  afterEach(async () => {
    release?.();
    release = undefined;
    await br?.close();
    br = undefined;
  });

  async function guardrail(
    handlers: BedrockRuntimeHandlers = { applyGuardrail: POLICY },
    options: Partial<GuardrailOptions> = {},
  ): Promise<Guardrail> {
    br = await startBedrockRuntime(handlers);
    return new Guardrail({
      guardrailId: POLICY.guardrailId,
      guardrailVersion: POLICY.guardrailVersion,
      client: br.client,
      ...options,
    });
  }

  function never(): Promise<never> {
    return new Promise((_resolve, reject) => {
      release = () => reject(new Error("released"));
    });
  }

  const sentBody = (i = 0) => JSON.parse(toUtf8(br?.requests[i]?.body ?? new Uint8Array()));

  it("blocks a prompt on a denied topic with the configured message, typed finding and units", async () => {
    const g = await guardrail();
    const result = await g.check("Which stocks should I buy?", { source: "INPUT" });
    expect(result).toMatchObject({
      action: "GUARDRAIL_INTERVENED",
      blocked: true,
      text: "I can't help with that request.",
      findings: [
        {
          kind: "deniedTopic",
          name: "Investment advice",
          type: "DENY",
          action: "BLOCKED",
          detected: true,
        },
      ],
    });
    expect(result.usage.topicPolicyUnits).toBe(1);
    expect(result.invocationMetrics?.processingLatencyMs).toBe(7);
    expect(result.invocationMetrics?.textCharacters).toEqual({ guarded: 26, total: 26 });
    // The wire request: the path names the guardrail and version, the body the source and text.
    expect(br?.requests[0]).toMatchObject({ operation: "ApplyGuardrail", modelId: "gr1abc2def3g" });
    expect(sentBody()).toEqual({
      source: "INPUT",
      content: [{ text: { text: "Which stocks should I buy?" } }],
    });
  });

  it("reports custom words and managed word lists as word findings", async () => {
    const g = await guardrail();
    const result = await g.check("Darn, just frobnicate it.", { source: "OUTPUT" });
    expect(result.blocked).toBe(true);
    expect(result.text).toBe("I can't share that answer.");
    expect(result.findings).toEqual([
      { kind: "customWord", match: "frobnicate", action: "BLOCKED", detected: true },
      { kind: "managedWord", match: "darn", type: "PROFANITY", action: "BLOCKED", detected: true },
    ]);
  });

  it("returns the masked text when only sensitive information was anonymized", async () => {
    const g = await guardrail();
    const result = await g.check("Mail ana@example.com about ORD-123456 please", {
      source: "INPUT",
    });
    expect(result.action).toBe("GUARDRAIL_INTERVENED");
    expect(result.blocked).toBe(false);
    expect(result.text).toBe("Mail {EMAIL} about {ORDER_ID} please");
    expect(result.findings).toEqual([
      {
        kind: "piiEntity",
        type: "EMAIL",
        match: "ana@example.com",
        action: "ANONYMIZED",
        detected: true,
      },
      {
        kind: "regex",
        name: "ORDER_ID",
        match: "ORD-123456",
        regex: "ORD-\\d{6}",
        action: "ANONYMIZED",
        detected: true,
      },
    ]);
    expect(result.usage.sensitiveInformationPolicyFreeUnits).toBe(1);
    expect(result.usage.sensitiveInformationPolicyUnits).toBe(1);
  });

  it("a PII entity configured to BLOCK refuses the text", async () => {
    const g = await guardrail({ applyGuardrail: { ...POLICY, email: "BLOCKED" } });
    const result = await g.check("write to ana@example.com", { source: "OUTPUT" });
    expect(result.blocked).toBe(true);
    expect(result.text).toBe("I can't share that answer.");
  });

  it("passes clean text through unchanged with action NONE", async () => {
    const g = await guardrail();
    const result = await g.check("How do I reset my password?", { source: "INPUT" });
    expect(result).toMatchObject({
      action: "NONE",
      blocked: false,
      text: "How do I reset my password?",
      findings: [],
    });
  });

  it("sends grounding source, query and guarded answer with their qualifiers, and blocks an ungrounded answer", async () => {
    const g = await guardrail();
    const passages = ["The Eiffel Tower is in Paris.", "It is 330 metres tall."];
    const result = await g.check("The tower is in Rome and was built by aliens.", {
      source: "OUTPUT",
      groundingSource: passages,
      query: "Where is the Eiffel Tower?",
    });
    expect(sentBody().content).toEqual([
      { text: { text: passages.join("\n\n"), qualifiers: ["grounding_source"] } },
      { text: { text: "Where is the Eiffel Tower?", qualifiers: ["query"] } },
      {
        text: {
          text: "The tower is in Rome and was built by aliens.",
          qualifiers: ["guard_content"],
        },
      },
    ]);
    expect(result.blocked).toBe(true);
    const grounding = result.findings.find((f) => f.kind === "contextualGrounding");
    expect(grounding).toMatchObject({ type: "GROUNDING", threshold: 0.7, action: "BLOCKED" });
    expect(grounding?.kind === "contextualGrounding" && grounding.score).toBeLessThan(0.7);
    expect(result.usage.contextualGroundingPolicyUnits).toBe(1);
  });

  it("passes a grounded, relevant answer and reports passing scores with outputScope FULL", async () => {
    const g = await guardrail(undefined, { outputScope: "FULL" });
    const result = await g.check("The Eiffel Tower is in Paris.", {
      source: "OUTPUT",
      groundingSource: "The Eiffel Tower is in Paris. It is 330 metres tall.",
      query: "Where is the Eiffel Tower?",
    });
    expect(sentBody().outputScope).toBe("FULL");
    expect(result.action).toBe("NONE");
    expect(result.text).toBe("The Eiffel Tower is in Paris.");
    expect(result.findings.map((f) => f.kind === "contextualGrounding" && f.type)).toEqual([
      "GROUNDING",
      "RELEVANCE",
    ]);
    expect(result.findings.every((f) => f.action === "NONE")).toBe(true);
  });

  it("refuses invalid input before any call", async () => {
    const g = await guardrail();
    await expect(g.check("", { source: "INPUT" })).rejects.toBeInstanceOf(ValidationError);
    await expect(
      g.check("x", { source: "OUTPUT", groundingSource: "passages" }),
    ).rejects.toBeInstanceOf(ValidationError);
    await expect(g.check("x", { source: "BOTH" as "INPUT" })).rejects.toBeInstanceOf(
      ValidationError,
    );
    expect(() => new Guardrail({ guardrailId: "g", guardrailVersion: "v1" })).toThrow(
      /guardrailVersion/,
    );
    expect(br?.requests).toHaveLength(0);
  });

  it("wraps service errors: an unknown version, access denied", async () => {
    const g = await guardrail(undefined, { guardrailVersion: "9" });
    const err = await g.check("hello", { source: "INPUT" }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AwsServiceError);
    expect((err as AwsServiceError).code).toBe("AWS_RESOURCE_NOT_FOUND_EXCEPTION");
    await br?.close();
    const denied = await guardrail({
      applyGuardrail: () =>
        standInError({ status: 403, type: "AccessDeniedException", message: "not allowed" }),
    });
    const err2 = await denied.check("hello", { source: "INPUT" }).catch((e: unknown) => e);
    expect(err2).toBeInstanceOf(PermissionDeniedError);
    expect((err2 as Error).message).toContain("bedrock:ApplyGuardrail");
  });

  it("ends with AbortedError when aborted and TimeoutError at its deadline", async () => {
    const g = await guardrail({ applyGuardrail: () => never() });
    const controller = new AbortController();
    const pending = g.check("hi", { source: "INPUT", signal: controller.signal });
    await expect.poll(() => br?.requests.length).toBe(1);
    controller.abort();
    await expect(pending).rejects.toBeInstanceOf(AbortedError);
    const err = await g.check("hi", { source: "INPUT", timeoutMs: 50 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TimeoutError);
  });

  describe("withGuardrail", () => {
    it("a blocked prompt never reaches the model and throws GUARDRAIL_INTERVENED", async () => {
      const g = await guardrail();
      const model = new FakeChatModel({ responses: ["unused"] });
      const err = await withGuardrail(model, g)
        .generate(user("Tell me about crypto"))
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(GuardrailInterventionError);
      expect(err).toMatchObject({
        code: "GUARDRAIL_INTERVENED",
        source: "INPUT",
        blockedMessage: "I can't help with that request.",
      });
      expect((err as Error).message).toContain('denied topic "Investment advice"');
      expect((err as Error).message).not.toContain("crypto");
      expect(model.requests).toHaveLength(0);
    });

    it("sends the masked prompt to the model and masks the answer", async () => {
      const g = await guardrail();
      const model = new FakeChatModel({ responses: ["Your order ORD-654321 has shipped."] });
      const answer = await withGuardrail(model, g).generate({
        messages: [
          { role: "user", content: "hi" },
          { role: "assistant", content: "hello" },
          { role: "user", content: "Where is my order? I am bo@example.org" },
        ],
      });
      expect(model.requests[0]?.messages.map((m) => m.content)).toEqual([
        "hi",
        "hello",
        "Where is my order? I am {EMAIL}",
      ]);
      expect(answer.text).toBe("Your order {ORDER_ID} has shipped.");
      expect(br?.requests.map((r) => sentBody(br?.requests.indexOf(r)).source)).toEqual([
        "INPUT",
        "OUTPUT",
      ]);
    });

    it("a blocked answer throws with source OUTPUT; input-only checks let it through", async () => {
      const g = await guardrail();
      const model = new FakeChatModel({ responses: ["Buy stocks now.", "Buy stocks now."] });
      const err = await withGuardrail(model, g)
        .generate(user("What should I do?"))
        .catch((e: unknown) => e);
      expect(err).toMatchObject({ code: "GUARDRAIL_INTERVENED", source: "OUTPUT" });
      const inputOnly = withGuardrail(model, g, { output: false });
      expect((await inputOnly.generate(user("What should I do?"))).text).toBe("Buy stocks now.");
    });

    it("stream (buffer): yields only the checked, masked answer", async () => {
      const g = await guardrail();
      const model = new FakeChatModel({ responses: ["Order ORD-111222 is late."] });
      const stream = withGuardrail(model, g).stream(user("status?"));
      const deltas: string[] = [];
      for await (const d of stream) deltas.push(d);
      expect(deltas.join("")).toBe("Order {ORDER_ID} is late.");
      expect(deltas.join("")).not.toContain("ORD-111222");
    });

    it("stream (buffer): a blocked answer yields no text and throws", async () => {
      const g = await guardrail();
      const model = new FakeChatModel({ responses: ["Put it all in crypto."] });
      const deltas: string[] = [];
      const err = await (async () => {
        for await (const d of withGuardrail(model, g).stream(user("advice?"))) deltas.push(d);
      })().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(GuardrailInterventionError);
      expect(deltas).toEqual([]);
    });

    it("stream (checkAtEnd): yields text as it comes, then throws when the whole answer is refused", async () => {
      const g = await guardrail();
      const model = new FakeChatModel({ responses: ["Put it all in crypto."] });
      const deltas: string[] = [];
      const err = await (async () => {
        for await (const d of withGuardrail(model, g, { stream: "checkAtEnd" }).stream(
          user("advice?"),
        ))
          deltas.push(d);
      })().catch((e: unknown) => e);
      expect(deltas.join("")).toBe("Put it all in crypto.");
      expect(err).toMatchObject({ code: "GUARDRAIL_INTERVENED", source: "OUTPUT" });
    });
  });
});
