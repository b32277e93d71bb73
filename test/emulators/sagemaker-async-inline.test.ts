import { InvokeEndpointAsyncCommand } from "@aws-sdk/client-sagemaker-runtime";
import { toUtf8 } from "@smithy/util-utf8";
import { afterEach, describe, expect, it } from "vitest";
import { startMemoryS3 } from "./memory-s3.js";
import { parseS3Uri, type S3StandIn } from "./s3.js";
import { type SageMakerRuntimeStandIn, startSageMakerRuntime } from "./sagemaker-runtime.js";

// InvokeEndpointAsync takes its input either from S3 (InputLocation) or inline (Body, up to
// 128,000 bytes), exactly one of them: see InvokeEndpointAsyncInput in
// @aws-sdk/client-sagemaker-runtime. The stand-in must accept what the API accepts.

let sm: SageMakerRuntimeStandIn | undefined;
let s3: S3StandIn | undefined;
afterEach(async () => {
  await sm?.close();
  await s3?.close();
  sm = undefined;
  s3 = undefined;
});

async function setUp() {
  s3 = await startMemoryS3();
  const seen: string[] = [];
  sm = await startSageMakerRuntime({
    s3,
    asyncOutputLocation: "s3://out/async/",
    invokeEndpointAsync: (input) => {
      seen.push(toUtf8(input));
      return { output: { echo: toUtf8(input) } };
    },
  });
  return { sm, s3, seen };
}

describe("SageMaker Runtime async stand-in", () => {
  it("accepts an inline Body instead of InputLocation and processes those bytes", async () => {
    const { sm, s3, seen } = await setUp();
    const out = await sm.client.send(
      new InvokeEndpointAsyncCommand({
        EndpointName: "e",
        ContentType: "application/json",
        Body: new TextEncoder().encode('{"inputs":"hi"}'),
      }),
    );
    expect(out.InferenceId).toBeTruthy();
    await sm.asyncSettled();
    expect(seen).toEqual(['{"inputs":"hi"}']);
    const { bucket, key } = parseS3Uri(out.OutputLocation as string);
    expect(JSON.parse(toUtf8(await s3.getObject(bucket, key)))).toEqual({
      echo: '{"inputs":"hi"}',
    });
  });

  it("refuses both InputLocation and Body, neither, and a Body over 128,000 bytes", async () => {
    const { sm } = await setUp();
    const send = (input: { InputLocation?: string; Body?: Uint8Array }) =>
      sm.client.send(new InvokeEndpointAsyncCommand({ EndpointName: "e", ...input }));
    await expect(
      send({ InputLocation: "s3://in/x.json", Body: new Uint8Array([1]) }),
    ).rejects.toMatchObject({ name: "ValidationError", message: /mutually exclusive/ });
    await expect(send({})).rejects.toMatchObject({ name: "ValidationError" });
    await expect(send({ Body: new Uint8Array(128_001) })).rejects.toMatchObject({
      name: "ValidationError",
      message: /128000 bytes/,
    });
  });
});
