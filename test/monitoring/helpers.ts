import type { ChatRequest } from "../../src/core/chat.js";
import type { FmopsErrorCode } from "../../src/core/error-codes.js";
import { FmopsError } from "../../src/core/errors.js";
import { ManualClock } from "../../src/monitoring/clock.js";
import type { InvocationRecord } from "../../src/monitoring/record.js";
import type { StreamEvent } from "../../src/streaming/events.js";
import { TokenStream } from "../../src/streaming/token-stream.js";

export const request: ChatRequest = {
  messages: [{ role: "user", content: "Tell me about lakes" }],
};

/** A scripted stream: each step advances the manual clock, then emits its event (or throws). */
export type Step = { after: number } & (
  | { text: string }
  | { usage: number }
  | { fail: FmopsErrorCode }
);

export function scriptedStream(clock: ManualClock, steps: Step[]): TokenStream {
  return new TokenStream(async function* (): AsyncGenerator<StreamEvent> {
    for (const step of steps) {
      clock.advance(step.after);
      if ("text" in step) yield { type: "text", text: step.text };
      else if ("usage" in step)
        yield { type: "usage", usage: { inputTokens: 7, outputTokens: step.usage } };
      else throw new FmopsError(step.fail, "scripted failure");
    }
  });
}

export function record(overrides: Partial<InvocationRecord> = {}): InvocationRecord {
  return {
    modelId: "bedrock:anthropic.claude-3-haiku",
    provider: "aws.bedrock",
    operation: "chat.stream",
    streaming: true,
    startTime: Date.UTC(2024, 0, 1),
    status: "ok",
    e2eMs: 1000,
    ttftMs: 200,
    otps: 50,
    e2eOtps: 40,
    inputTokens: 10,
    outputTokens: 40,
    dimensions: {},
    metrics: {},
    ...overrides,
  };
}

export { ManualClock };
