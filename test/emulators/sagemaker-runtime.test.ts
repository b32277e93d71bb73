import {
  InternalStreamFailure,
  InvokeEndpointAsyncCommand,
  InvokeEndpointCommand,
  InvokeEndpointWithResponseStreamCommand,
  ModelError,
  ModelStreamError,
  SageMakerRuntimeServiceException,
  ServiceUnavailable,
  ValidationError,
} from "@aws-sdk/client-sagemaker-runtime";
import { afterEach, describe, expect, it } from "vitest";
import { standInError } from "./http.js";
import { type S3StandIn, startS3 } from "./s3.js";
import {
  type InvokeEndpointAsyncRequest,
  type InvokeEndpointRequest,
  type InvokeEndpointStreamRequest,
  type SageMakerRuntimeStandIn,
  type SageMakerStreamFrame,
  startSageMakerRuntime,
} from "./sagemaker-runtime.js";

const decode = (bytes: Uint8Array | undefined) => new TextDecoder().decode(bytes);

describe("SageMaker Runtime stand-in", () => {
  let sm: SageMakerRuntimeStandIn | undefined;
  let s3: S3StandIn | undefined;
  afterEach(async () => {
    await sm?.close();
    await s3?.close();
    sm = undefined;
    s3 = undefined;
  });

  describe("InvokeEndpoint", () => {
    it("passes every request header to the handler and returns body, content type and variant", async () => {
      let seen: InvokeEndpointRequest | undefined;
      sm = await startSageMakerRuntime({
        invokeEndpoint: (req) => {
          seen = req;
          return {
            body: { echoed: req.json<{ inputs: string }>().inputs },
            contentType: "application/json; charset=utf-8",
            invokedProductionVariant: "variant-b",
            customAttributes: "trace=1",
          };
        },
      });
      const out = await sm.client.send(
        new InvokeEndpointCommand({
          EndpointName: "my-endpoint",
          Body: JSON.stringify({ inputs: "hello" }),
          ContentType: "application/json",
          Accept: "application/json",
          CustomAttributes: "accept_eula=true",
          TargetModel: "model-a.tar.gz",
          TargetVariant: "variant-b",
          InferenceComponentName: "ic-1",
          SessionId: "NEW_SESSION",
          InferenceId: "inf-1",
        }),
      );
      expect(JSON.parse(decode(out.Body))).toEqual({ echoed: "hello" });
      expect(out.ContentType).toBe("application/json; charset=utf-8");
      expect(out.InvokedProductionVariant).toBe("variant-b");
      expect(out.CustomAttributes).toBe("trace=1");
      expect(seen).toMatchObject({
        endpointName: "my-endpoint",
        contentType: "application/json",
        accept: "application/json",
        customAttributes: "accept_eula=true",
        targetModel: "model-a.tar.gz",
        targetVariant: "variant-b",
        inferenceComponentName: "ic-1",
        sessionId: "NEW_SESSION",
        inferenceId: "inf-1",
      });
      expect(sm.requests).toHaveLength(1);
      expect(sm.requests[0]?.operation).toBe("InvokeEndpoint");
      expect(sm.requests[0]?.headers["x-amzn-sagemaker-target-model"]).toBe("model-a.tar.gz");
      expect(decode(sm.requests[0]?.body)).toBe('{"inputs":"hello"}');
    });

    it("turns a ModelError into the SDK's typed ModelError with its fields", async () => {
      sm = await startSageMakerRuntime({
        invokeEndpoint: () =>
          standInError({
            status: 424,
            type: "ModelError",
            message: "Received server error (500) from primary",
            extra: {
              OriginalStatusCode: 500,
              OriginalMessage: "CUDA out of memory",
              LogStreamArn:
                "arn:aws:logs:us-east-1:123456789012:log-group:/aws/sagemaker/Endpoints/e",
            },
          }),
      });
      const err = await sm.client
        .send(new InvokeEndpointCommand({ EndpointName: "e", Body: "{}" }))
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ModelError);
      const modelError = err as ModelError;
      expect(modelError.message).toBe("Received server error (500) from primary");
      expect(modelError.OriginalStatusCode).toBe(500);
      expect(modelError.OriginalMessage).toBe("CUDA out of memory");
      expect(modelError.LogStreamArn).toContain("log-group");
      expect(modelError.$metadata.httpStatusCode).toBe(424);
      expect(modelError.$metadata.requestId).toMatch(/[0-9a-f-]{36}/);
    });

    it.each([
      [400, "ValidationError", ValidationError],
      [503, "ServiceUnavailable", ServiceUnavailable],
    ])("answers %i %s with the typed exception", async (status, type, ctor) => {
      sm = await startSageMakerRuntime({
        invokeEndpoint: () => {
          throw standInError({ status, type, message: `${type} happened` });
        },
      });
      const err = await sm.client
        .send(new InvokeEndpointCommand({ EndpointName: "e", Body: "{}" }))
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ctor);
      expect((err as Error).message).toBe(`${type} happened`);
    });

    it.each([
      [403, "AccessDeniedException"],
      [429, "ThrottlingException"],
    ])("answers %i %s with a service exception of that name and status", async (status, type) => {
      sm = await startSageMakerRuntime({
        invokeEndpoint: () => standInError({ status, type, message: "no" }),
      });
      const err = await sm.client
        .send(new InvokeEndpointCommand({ EndpointName: "e", Body: "{}" }))
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(SageMakerRuntimeServiceException);
      expect((err as SageMakerRuntimeServiceException).name).toBe(type);
      expect((err as SageMakerRuntimeServiceException).$metadata.httpStatusCode).toBe(status);
    });

    it("answers an endpoint without a handler with ValidationError", async () => {
      sm = await startSageMakerRuntime({});
      const err = await sm.client
        .send(new InvokeEndpointCommand({ EndpointName: "missing", Body: "{}" }))
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ValidationError);
      expect((err as Error).message).toContain("missing");
    });
  });

  describe("InvokeEndpointWithResponseStream", () => {
    async function collect(
      frames: SageMakerStreamFrame[],
      seen?: (req: InvokeEndpointStreamRequest) => void,
    ): Promise<{ parts: string[]; error?: unknown; contentType?: string }> {
      sm = await startSageMakerRuntime({
        invokeEndpointWithResponseStream: (req) => {
          seen?.(req);
          return { frames, contentType: "text/event-stream" };
        },
      });
      const out = await sm.client.send(
        new InvokeEndpointWithResponseStreamCommand({
          EndpointName: "stream-ep",
          Body: '{"inputs":"x","stream":true}',
          ContentType: "application/json",
          Accept: "text/event-stream",
          InferenceComponentName: "ic-2",
        }),
      );
      const parts: string[] = [];
      try {
        for await (const event of out.Body ?? []) {
          if (event.PayloadPart?.Bytes) parts.push(decode(event.PayloadPart.Bytes));
        }
      } catch (error) {
        return { parts, error, contentType: out.ContentType };
      }
      return { parts, contentType: out.ContentType };
    }

    it("delivers each PayloadPart as its own event, bytes intact", async () => {
      let seen: InvokeEndpointStreamRequest | undefined;
      const snowman = new TextEncoder().encode("☃");
      const result = await collect(
        [
          { payload: 'data: {"a"' },
          { delayMs: 5 },
          { payload: ":1}\n\n" },
          { payload: snowman.slice(0, 1) },
          { payload: snowman.slice(1) },
        ],
        (req) => {
          seen = req;
        },
      );
      expect(result.error).toBeUndefined();
      expect(result.contentType).toBe("text/event-stream");
      expect(result.parts.slice(0, 2)).toEqual(['data: {"a"', ":1}\n\n"]);
      expect(result.parts).toHaveLength(4);
      expect(seen?.accept).toBe("text/event-stream");
      expect(seen?.inferenceComponentName).toBe("ic-2");
      expect(seen?.json()).toEqual({ inputs: "x", stream: true });
    });

    it("throws the SDK's ModelStreamError with its ErrorCode from an exception frame", async () => {
      const result = await collect([
        { payload: "a" },
        {
          modelStreamError: { message: "model crashed", errorCode: "ModelInvocationTimeExceeded" },
        },
        { payload: "never sent" },
      ]);
      expect(result.parts).toEqual(["a"]);
      expect(result.error).toBeInstanceOf(ModelStreamError);
      expect((result.error as ModelStreamError).message).toBe("model crashed");
      expect((result.error as ModelStreamError).ErrorCode).toBe("ModelInvocationTimeExceeded");
    });

    it("throws the SDK's InternalStreamFailure from an exception frame", async () => {
      const result = await collect([
        { payload: "a" },
        { payload: "b" },
        { internalStreamFailure: { message: "boom" } },
      ]);
      expect(result.parts).toEqual(["a", "b"]);
      expect(result.error).toBeInstanceOf(InternalStreamFailure);
      expect((result.error as InternalStreamFailure).message).toBe("boom");
    });

    it("fails the call itself with a typed error when the handler refuses", async () => {
      sm = await startSageMakerRuntime({
        invokeEndpointWithResponseStream: () =>
          standInError({
            status: 424,
            type: "ModelError",
            message: "bad input",
            extra: { OriginalStatusCode: 400 },
          }),
      });
      const err = await sm.client
        .send(new InvokeEndpointWithResponseStreamCommand({ EndpointName: "e", Body: "{}" }))
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ModelError);
      expect((err as ModelError).OriginalStatusCode).toBe(400);
    });

    it("stops producing frames when the client aborts", async () => {
      let produced = 0;
      let finished = false;
      const controller = new AbortController();
      sm = await startSageMakerRuntime({
        invokeEndpointWithResponseStream: () =>
          (async function* () {
            try {
              for (let i = 0; i < 1000; i++) {
                produced++;
                yield { payload: `chunk ${i}\n` };
                yield { delayMs: 10 };
              }
            } finally {
              finished = true;
            }
          })(),
      });
      const out = await sm.client.send(
        new InvokeEndpointWithResponseStreamCommand({ EndpointName: "e", Body: "{}" }),
        { abortSignal: controller.signal },
      );
      let seen = 0;
      const consumed = (async () => {
        for await (const _ of out.Body ?? []) {
          seen++;
          if (seen === 2) controller.abort();
        }
      })();
      await consumed.catch(() => {});
      await expect.poll(() => finished, { timeout: 5_000 }).toBe(true);
      expect(produced).toBeLessThan(1000);
    });
  });

  describe("InvokeEndpointAsync", () => {
    it("answers 202 with locations, then reads the input from S3 and writes the output", async () => {
      s3 = await startS3({ buckets: ["io"] });
      await s3.putObject("io", "in/req.json", '{"inputs":"async hello"}');
      let seen: InvokeEndpointAsyncRequest | undefined;
      sm = await startSageMakerRuntime({
        s3,
        asyncOutputLocation: "s3://io/out/",
        asyncFailureLocation: "s3://io/failed",
        asyncDelayMs: 5,
        invokeEndpointAsync: (input, req) => {
          seen = req;
          return { output: { generated_text: JSON.parse(decode(input)).inputs.toUpperCase() } };
        },
      });
      const out = await sm.client.send(
        new InvokeEndpointAsyncCommand({
          EndpointName: "async-ep",
          InputLocation: "s3://io/in/req.json",
          InferenceId: "job-1",
          ContentType: "application/json",
          Accept: "application/json",
          CustomAttributes: "a=b",
          RequestTTLSeconds: 600,
          InvocationTimeoutSeconds: 120,
        }),
      );
      expect(out.InferenceId).toBe("job-1");
      expect(out.OutputLocation).toBe("s3://io/out/job-1.out");
      expect(out.FailureLocation).toBe("s3://io/failed/job-1-error.out");
      await sm.asyncSettled();
      expect(JSON.parse(decode(await s3.getObject("io", "out/job-1.out")))).toEqual({
        generated_text: "ASYNC HELLO",
      });
      expect(seen).toMatchObject({
        inputLocation: "s3://io/in/req.json",
        contentType: "application/json",
        accept: "application/json",
        customAttributes: "a=b",
        requestTtlSeconds: 600,
        invocationTimeoutSeconds: 120,
      });
    });

    it("generates an inference id and writes the failure object when the handler fails", async () => {
      s3 = await startS3({ buckets: ["io"] });
      await s3.putObject("io", "in.json", "{}");
      sm = await startSageMakerRuntime({
        s3,
        asyncOutputLocation: "s3://io/out",
        asyncFailureLocation: "s3://io/fail/",
        invokeEndpointAsync: () => ({ failure: "container said no" }),
      });
      const out = await sm.client.send(
        new InvokeEndpointAsyncCommand({ EndpointName: "e", InputLocation: "s3://io/in.json" }),
      );
      expect(out.InferenceId).toMatch(/^[0-9a-f-]{36}$/);
      await sm.asyncSettled();
      expect(decode(await s3.getObject("io", `fail/${out.InferenceId}-error.out`))).toBe(
        "container said no",
      );
    });

    it("writes a failure object when the input object does not exist", async () => {
      s3 = await startS3({ buckets: ["io"] });
      let called = false;
      sm = await startSageMakerRuntime({
        s3,
        asyncOutputLocation: "s3://io/out",
        asyncFailureLocation: "s3://io/fail",
        invokeEndpointAsync: () => {
          called = true;
          return { output: "x" };
        },
      });
      const out = await sm.client.send(
        new InvokeEndpointAsyncCommand({
          EndpointName: "e",
          InputLocation: "s3://io/missing.json",
          InferenceId: "m",
        }),
      );
      await sm.asyncSettled();
      expect(called).toBe(false);
      expect(out.FailureLocation).toBe("s3://io/fail/m-error.out");
      expect(decode(await s3.getObject("io", "fail/m-error.out")).length).toBeGreaterThan(0);
    });

    it("lets acceptAsync fail the call itself with a typed error", async () => {
      sm = await startSageMakerRuntime({
        acceptAsync: () =>
          standInError({ status: 400, type: "ValidationError", message: "bad TTL" }),
        invokeEndpointAsync: () => ({ output: "x" }),
      });
      const err = await sm.client
        .send(
          new InvokeEndpointAsyncCommand({ EndpointName: "e", InputLocation: "s3://io/in.json" }),
        )
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ValidationError);
      expect(sm.requests[0]?.headers["x-amzn-sagemaker-inputlocation"]).toBe("s3://io/in.json");
    });
  });
});
