import { describe, expect, it } from "vitest";
import { z } from "zod";
import { TimeoutError } from "../../src/core/errors.js";
import { generateObject } from "../../src/models/generate-object.js";
import { runTools } from "../../src/models/tools.js";
import { FakeChatModel } from "../../src/testing/fake-chat-model.js";

const user = [{ role: "user" as const, content: "go" }];
const tool = {
  name: "noop",
  inputSchema: z.object({}),
  execute: async () => "done",
};

describe("runTools limits", () => {
  it("throws TOOL_MAX_STEPS with the steps when the model keeps calling tools", async () => {
    const model = new FakeChatModel({
      responses: () => ({ toolCalls: [{ name: "noop", input: {} }] }),
    });
    const err = await runTools(model, { messages: user, tools: [tool], maxSteps: 3 }).catch(
      (e) => e,
    );
    expect(err).toMatchObject({ code: "TOOL_MAX_STEPS" });
    expect(err.steps).toHaveLength(3);
    expect(model.calls).toBe(3);
  });

  it("returns a tool's thrown error to the model as an error result", async () => {
    const model = new FakeChatModel({
      responses: [{ toolCalls: [{ name: "noop", input: {} }] }, "recovered"],
    });
    const result = await runTools(model, {
      messages: user,
      tools: [{ ...tool, execute: async () => Promise.reject(new Error("db down")) }],
    });
    expect(result.text).toBe("recovered");
    expect(model.requests[1]?.messages.at(-1)?.content).toEqual([
      {
        type: "toolResult",
        toolUseId: "call_0_0",
        content: 'Tool "noop" failed: db down',
        isError: true,
      },
    ]);
  });
  it("ends at its deadline with TIMEOUT when a tool never resolves and ignores its signal", async () => {
    const model = new FakeChatModel({
      responses: [{ toolCalls: [{ name: "hang", input: {} }] }, "never reached"],
    });
    let toolSignal: AbortSignal | undefined;
    const hang = {
      name: "hang",
      inputSchema: z.object({}),
      // Never settles and never looks at its signal: only the loop's deadline can end the run.
      execute: (_input: unknown, ctx: { signal: AbortSignal }) => {
        toolSignal = ctx.signal;
        return new Promise<never>(() => {});
      },
    };
    const err = await runTools(model, { messages: user, tools: [hang], timeoutMs: 100 }).catch(
      (e) => e,
    );
    expect(err).toBeInstanceOf(TimeoutError);
    expect(err).toMatchObject({ code: "TIMEOUT", timeoutMs: 100 });
    expect(toolSignal?.aborted).toBe(true);
    expect(toolSignal?.reason).toBe(err);
    // The loop stopped in the tool: the model was not asked again.
    expect(model.calls).toBe(1);
  });
});

describe("generateObject without tools", () => {
  it("asks for JSON in text and repairs with the validation error fed back", async () => {
    const model = new FakeChatModel({
      supportsTools: false,
      responses: ["The score is high", '```json\n{"score": 11}\n```', '{"score": 5}'],
    });
    const result = await generateObject(model, {
      messages: user,
      schema: z.object({ score: z.int().min(1).max(5) }),
    });
    expect(result.object).toEqual({ score: 5 });
    expect(result.attempts.map((a) => a.error === undefined)).toEqual([false, false, true]);
    expect(JSON.stringify(model.requests[2]?.messages)).toMatch(/score/);
    expect(model.requests[0]?.system).toMatch(/JSON Schema/);
  });

  it("fails with OBJECT_GENERATION_FAILED after maxRepairs, never a NaN", async () => {
    const model = new FakeChatModel({ supportsTools: false, responses: () => "not json" });
    await expect(
      generateObject(model, { messages: user, schema: z.object({ n: z.number() }), maxRepairs: 1 }),
    ).rejects.toMatchObject({ code: "OBJECT_GENERATION_FAILED" });
    expect(model.calls).toBe(2);
  });
});
