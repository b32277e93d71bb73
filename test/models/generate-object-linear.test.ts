/**
 * generateObject reads JSON out of a model's text answer, whatever its size (answers are
 * attacker-influenced through prompt injection and, for self-hosted endpoints, not bounded by
 * any service). Finding a fenced block must take time linear in the answer: with the earlier
 * pattern, blank lines after an unclosed fence made it backtrack quadratically (a 40 000-line
 * answer took 0.4 s, a megabyte minutes, blocking the event loop past any deadline).
 */
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { generateObject } from "../../src/models/generate-object.js";
import { FakeChatModel } from "../../src/testing/fake-chat-model.js";

const MB = 1_000_000;
const user = [{ role: "user" as const, content: "Give n." }];

describe("generateObject on hostile text answers", () => {
  it("reads the object after a megabyte of blank lines behind an unclosed fence", async () => {
    const model = new FakeChatModel({
      supportsTools: false,
      responses: [`\`\`\`json${"\n".repeat(MB)}{"n": 1}`],
    });
    const result = await generateObject(model, {
      messages: user,
      schema: z.object({ n: z.number() }),
      maxRepairs: 0,
    });
    expect(result.object).toEqual({ n: 1 });
  });

  it("still reads a fenced block with blank lines and spaces before its body", async () => {
    const model = new FakeChatModel({
      supportsTools: false,
      responses: ['Here:\n```json  \n\n\n{"n": 2}\n```\nDone.'],
    });
    const result = await generateObject(model, {
      messages: user,
      schema: z.object({ n: z.number() }),
      maxRepairs: 0,
    });
    expect(result.object).toEqual({ n: 2 });
  });
});
