/**
 * The streaming module against the real `@aws-sdk/client-sagemaker-runtime` client talking to the
 * local SageMaker Runtime stand-in (real event-stream framing on 127.0.0.1).
 */
import { InvokeEndpointWithResponseStreamCommand } from "@aws-sdk/client-sagemaker-runtime";
import fc from "fast-check";
import { afterEach, describe, expect, it } from "vitest";
import { decodeResponseStream } from "../../src/streaming/decoders.js";
import { InternalStreamFailure, ModelStreamError } from "../../src/streaming/errors.js";
import { LineIterator } from "../../src/streaming/line-iterator.js";
import { TokenStream } from "../../src/streaming/token-stream.js";
import {
  type SageMakerRuntimeStandIn,
  type SageMakerStreamFrame,
  startSageMakerRuntime,
} from "../emulators/sagemaker-runtime.js";
import { chunk, chunking, collectUntilError, lineText, utf8 } from "./stream-helpers.js";

describe("response streams from the real SageMaker Runtime client", () => {
  let sm: SageMakerRuntimeStandIn | undefined;
  afterEach(async () => {
    await sm?.close();
    sm = undefined;
  });

  async function invoke(frames: SageMakerStreamFrame[], contentType: string) {
    sm = await startSageMakerRuntime({
      invokeEndpointWithResponseStream: () => ({ frames, contentType }),
    });
    return sm.client.send(
      new InvokeEndpointWithResponseStreamCommand({
        EndpointName: "llm",
        Body: JSON.stringify({ inputs: "Hi", stream: true }),
        ContentType: "application/json",
      }),
    );
  }

  it("decodes an LMI stream whose lines and characters are split across PayloadParts", async () => {
    const tokens = [" Grüße", " aus", " 東京", " 🙂"];
    const body = `${tokens
      .map((text, id) => JSON.stringify({ token: { id, text, log_prob: -0.1 } }))
      .join(
        "\n",
      )}\n{"token": {"id": 9, "text": "", "log_prob": 0}, "generated_text": "x", "details": {"finish_reason": "length", "generated_tokens": 5}}\n`;
    const frames = chunk(utf8(body), { size: 7 }).map((payload) => ({ payload }));
    const output = await invoke(frames, "application/jsonlines");
    expect(output.ContentType).toBe("application/jsonlines");
    const stream = new TokenStream(() =>
      decodeResponseStream(output.Body!, { contentType: output.ContentType }),
    );
    const response = await stream.response();
    expect(response.text).toBe(tokens.join(""));
    expect(response.stopReason).toBe("length");
    expect(response.usage).toEqual({ outputTokens: 5 });
  });

  it("turns the SDK's ModelStreamError into a typed error after the text before it", async () => {
    const output = await invoke(
      [
        {
          payload:
            'data:{"token":{"id":1,"text":" partial","special":false},"generated_text":null,"details":null}\n\n',
        },
        { payload: 'data:{"tok' },
        {
          modelStreamError: { message: "took too long", errorCode: "ModelInvocationTimeExceeded" },
        },
      ],
      "text/event-stream",
    );
    const { items, error } = await collectUntilError(
      new TokenStream(() =>
        decodeResponseStream(output.Body!, { contentType: output.ContentType }),
      ),
    );
    expect(items).toEqual([" partial"]);
    expect(error).toBeInstanceOf(ModelStreamError);
    expect(error).toMatchObject({
      code: "STREAM_MODEL_ERROR",
      errorCode: "ModelInvocationTimeExceeded",
    });
    expect((error as Error).message).toContain("took too long");
  });

  it("turns InternalStreamFailure into a retryable typed error", async () => {
    const output = await invoke(
      [{ payload: "line one\n" }, { internalStreamFailure: { message: "internal" } }],
      "application/jsonlines",
    );
    const { items, error } = await collectUntilError(new LineIterator(output.Body!));
    expect(items).toEqual(["line one"]);
    expect(error).toBeInstanceOf(InternalStreamFailure);
    expect(error).toMatchObject({ retryable: true });
  });

  it("property: lines through the real event-stream framing come out exactly", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(lineText(30), { maxLength: 12 }),
        chunking(),
        async (lines, how) => {
          fc.pre(!(lines[0] ?? "").startsWith("\ufeff"));
          const bytes = utf8(lines.map((l) => `${l}\r\n`).join(""));
          const output = await invoke(
            chunk(bytes, how).map((payload) => ({ payload })),
            "application/jsonlines",
          );
          const seen: string[] = [];
          for await (const line of new LineIterator(output.Body!)) seen.push(line);
          expect(seen).toEqual(lines);
          await sm?.close();
          sm = undefined;
        },
      ),
      { numRuns: 25 },
    );
  });
});
