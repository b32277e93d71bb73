import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ValidationError } from "../../src/core/errors.js";
import { PiiDetectedError, PiiRedactor } from "../../src/models/pii-redactor.js";
import { withGuardrail } from "../../src/models/with-guardrail.js";
import { FakeChatModel } from "../../src/testing/fake-chat-model.js";
import { type ComprehendStandIn, startComprehend } from "../emulators/comprehend.js";
import { standInError } from "../emulators/http.js";

let comprehend: ComprehendStandIn;
beforeAll(async () => {
  comprehend = await startComprehend();
});
afterAll(async () => {
  await comprehend.close();
});

const piiCalls = () => comprehend.calls.filter((c) => c.operation === "DetectPiiEntities");

describe("PiiRedactor.check", () => {
  it("masks each entity with its type and reports types and offsets, not the matched text", async () => {
    const redactor = new PiiRedactor({ client: comprehend.client });
    const text = "Mail jane.doe@example.com, SSN 123-45-6789.";
    const result = await redactor.check(text);
    expect(result.action).toBe("MASKED");
    expect(result.text).toBe("Mail [EMAIL], SSN [SSN].");
    expect(result.findings.map((f) => [f.type, text.slice(f.beginOffset, f.endOffset)])).toEqual([
      ["EMAIL", "jane.doe@example.com"],
      ["SSN", "123-45-6789"],
    ]);
    expect(JSON.stringify(result.findings)).not.toContain("jane.doe");
    expect(piiCalls().at(-1)?.input).toEqual({ Text: text, LanguageCode: "en" });
  });

  it("maps Comprehend's character offsets onto JavaScript strings with astral characters", async () => {
    const redactor = new PiiRedactor({ client: comprehend.client });
    const text = "🙂🙂 write to a@b.io 🙂 or call +1 206-555-0100";
    const result = await redactor.check(text);
    expect(result.text).toBe("🙂🙂 write to [EMAIL] 🙂 or call [PHONE]");
  });

  it("leaves entities below minScore alone, and acts on them when the threshold allows", async () => {
    const text = "Hello, my name is Jane and my mail is j@x.org";
    const strict = await new PiiRedactor({ client: comprehend.client }).check(text);
    expect(strict.text).toBe("Hello, my name is Jane and my mail is [EMAIL]");
    const loose = await new PiiRedactor({ client: comprehend.client, minScore: 0.4 }).check(text);
    expect(loose.text).toBe("Hello, my name is [NAME] and my mail is [EMAIL]");
  });

  it("acts only on the chosen entity types and can mask character by character", async () => {
    const redactor = new PiiRedactor({
      client: comprehend.client,
      entityTypes: ["SSN"],
      mask: "character",
      maskCharacter: "#",
    });
    const result = await redactor.check("SSN 123-45-6789, mail a@b.io");
    expect(result.text).toBe("SSN ###########, mail a@b.io");
    expect(result.findings.map((f) => f.type)).toEqual(["SSN"]);
  });

  it("returns NONE without a call for blank text", async () => {
    const before = piiCalls().length;
    const redactor = new PiiRedactor({ client: comprehend.client });
    expect(await redactor.check("   ")).toEqual({ action: "NONE", text: "   ", findings: [] });
    expect(piiCalls().length).toBe(before);
    expect((await redactor.check("nothing personal here")).action).toBe("NONE");
  });

  it("checks a text over 100 KB in pieces and masks an entity in a later piece at the right place", async () => {
    const before = piiCalls().length;
    const filler = "lorem ipsum dolor sit amet. ".repeat(4000); // 112 000 bytes
    const text = `${filler}reach me at late@example.com`;
    const result = await new PiiRedactor({ client: comprehend.client }).check(text);
    expect(piiCalls().length - before).toBe(2);
    expect(result.text).toBe(`${filler}reach me at [EMAIL]`);
    const f = result.findings[0];
    expect(text.slice(f?.beginOffset, f?.endOffset)).toBe("late@example.com");
  });
});

describe("PiiRedactor.enforce", () => {
  it("refuses a blocked type with PII_DETECTED, the masked text and no personal data in the message", async () => {
    const redactor = new PiiRedactor({ client: comprehend.client, block: ["CREDIT_DEBIT_NUMBER"] });
    expect(await redactor.enforce("mail a@b.io", { source: "INPUT" })).toBe("mail [EMAIL]");
    const err = await redactor
      .enforce("card 4111 1111 1111 1111 please", { source: "INPUT" })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PiiDetectedError);
    const e = err as PiiDetectedError;
    expect(e.code).toBe("PII_DETECTED");
    expect(e.source).toBe("INPUT");
    expect(e.maskedText).toBe("card [CREDIT_DEBIT_NUMBER] please");
    expect(e.message).toContain("CREDIT_DEBIT_NUMBER");
    expect(e.message).not.toContain("4111");
  });

  it("wraps Comprehend errors; access denied names comprehend:DetectPiiEntities", async () => {
    comprehend.failNext(
      standInError({ status: 400, type: "AccessDeniedException", message: "no" }),
    );
    const err = await new PiiRedactor({ client: comprehend.client })
      .check("a@b.io")
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "PERMISSION_DENIED" });
    expect((err as Error).message).toContain("comprehend:DetectPiiEntities");
  });

  it("refuses invalid options at construction", () => {
    expect(() => new PiiRedactor({ languageCode: "de" as "en" })).toThrow(ValidationError);
    expect(() => new PiiRedactor({ minScore: 2 })).toThrow(/minScore/);
    expect(() => new PiiRedactor({ maskCharacter: "##" })).toThrow(/maskCharacter/);
  });
});

describe("withGuardrail(model, new PiiRedactor(...))", () => {
  it("masks the prompt before the model sees it and the answer before the caller does", async () => {
    const model = new FakeChatModel({ responses: ["Sure, I will write to bob@corp.example."] });
    const safe = withGuardrail(model, new PiiRedactor({ client: comprehend.client }));
    const answer = await safe.generate({
      messages: [{ role: "user", content: "My SSN is 123-45-6789, tell Bob." }],
    });
    expect(model.requests[0]?.messages[0]?.content).toBe("My SSN is [SSN], tell Bob.");
    expect(answer.text).toBe("Sure, I will write to [EMAIL].");
  });

  it("buffers a stream and yields only the masked answer", async () => {
    const model = new FakeChatModel({ responses: ["call +1 206-555-0100 now"] });
    const safe = withGuardrail(model, new PiiRedactor({ client: comprehend.client }));
    const stream = safe.stream({ messages: [{ role: "user", content: "number?" }] });
    let seen = "";
    for await (const delta of stream) seen += delta;
    expect(seen).toBe("call [PHONE] now");
  });
});
