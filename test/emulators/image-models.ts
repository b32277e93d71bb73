/**
 * Image models for the Bedrock Runtime and SageMaker Runtime stand-ins: InvokeModel handlers
 * that answer each Bedrock image model's wire format (Titan Image Generator v2 / Nova Canvas:
 * `taskType` bodies answered with `{ images }`; Stability: `{ seeds, finish_reasons, images }`),
 * and SageMaker handlers for a JumpStart-style diffusion container and a Triton (KServe v2)
 * multi-model endpoint. Every image they return is a real PNG of the requested size, built
 * with node:zlib.
 *
 * @module
 */
import { crc32, deflateSync, inflateSync } from "node:zlib";
import type { InvokeModelReply, InvokeModelStandInRequest } from "./bedrock-runtime.js";
import { type StandInError, standInError } from "./http.js";
import type { InvokeEndpointRequest, InvokeEndpointResult } from "./sagemaker-runtime.js";

function chunk(type: string, data: Uint8Array): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, "latin1");
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])) >>> 0, 0);
  return Buffer.concat([head, data, crc]);
}

/**
 * A valid RGB PNG of `width` x `height` filled with one colour: signature, IHDR, one zlib IDAT
 * and IEND, each with its CRC.
 */
export function tinyPng(
  width = 1,
  height = 1,
  rgb: [number, number, number] = [200, 80, 40],
): Uint8Array {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // colour type: RGB
  const row = Buffer.alloc(1 + width * 3);
  for (let x = 0; x < width; x++) row.set(rgb, 1 + x * 3);
  const raw = Buffer.alloc(row.length * height);
  for (let y = 0; y < height; y++) row.copy(raw, y * row.length);
  return new Uint8Array(
    Buffer.concat([
      Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
      chunk("IHDR", ihdr),
      chunk("IDAT", deflateSync(raw)),
      chunk("IEND", new Uint8Array(0)),
    ]),
  );
}

/** A JPEG header (SOI, APP0, SOF0 with the size): enough for format and size checks. */
export function jpegHeader(width: number, height: number): Uint8Array {
  const sof = [0xff, 0xc0, 0x00, 0x11, 0x08, height >> 8, height & 255, width >> 8, width & 255, 3];
  return new Uint8Array([
    0xff,
    0xd8,
    0xff,
    0xe0,
    0x00,
    0x04,
    0x00,
    0x00,
    ...sof,
    ...new Array(9).fill(0),
    0xff,
    0xd9,
  ]);
}

const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString("base64");
const fromB64 = (text: string) => new Uint8Array(Buffer.from(text, "base64"));

/** The pixel size of a PNG's IHDR, for stand-ins that answer "the same size as the input". */
function pngSize(bytes: Uint8Array): [number, number] | undefined {
  if (bytes[0] !== 0x89 || bytes.length < 24) return undefined;
  const view = Buffer.from(bytes);
  return [view.readUInt32BE(16), view.readUInt32BE(20)];
}

/** Settings of {@link bedrockImageModels}. */
export interface BedrockImageModelsOptions {
  /** Prompts containing one of these words are refused as the real content filters refuse. */
  blockedWords?: string[];
  /** Titan/Nova: answer `{ error }` in a 200 body instead of refusing with ValidationException. */
  filterInBody?: boolean;
  /** Stability: this `finish_reasons` entry on every answer (e.g. `Inference error`). */
  finishReason?: string;
}

function validation(message: string): StandInError {
  return standInError({ status: 400, type: "ValidationException", message });
}

/**
 * An `invokeModel` handler serving Bedrock's image models by model id: Titan Image Generator v2
 * and Nova Canvas (`taskType` bodies) and Stability's SD3.5 Large, Stable Image Ultra and Core.
 * Malformed bodies get the ValidationException the service sends.
 *
 * @example
 * ```ts
 * const br = await startBedrockRuntime({ invokeModel: bedrockImageModels({ blockedWords: ["gore"] }) });
 * ```
 */
export function bedrockImageModels(
  options: BedrockImageModelsOptions = {},
): (request: InvokeModelStandInRequest) => InvokeModelReply | StandInError {
  const blocked = (text: unknown) =>
    typeof text === "string" &&
    (options.blockedWords ?? []).some((w) => text.toLowerCase().includes(w.toLowerCase()));
  return (request) => {
    let body: Record<string, unknown>;
    try {
      body = request.json<Record<string, unknown>>();
    } catch {
      return validation("Malformed input request: invalid JSON.");
    }
    const id = request.modelId;
    if (/amazon\.(titan-image-generator-v2|nova-canvas)/.test(id)) {
      return amazonAnswer(body, blocked, options);
    }
    if (/stability\./.test(id)) return stabilityAnswer(body, blocked, options);
    return validation(`The provided model identifier is invalid: ${id}.`);
  };
}

const PARAMS_FIELD: Record<string, string> = {
  TEXT_IMAGE: "textToImageParams",
  IMAGE_VARIATION: "imageVariationParams",
  INPAINTING: "inPaintingParams",
  OUTPAINTING: "outPaintingParams",
  BACKGROUND_REMOVAL: "backgroundRemovalParams",
  COLOR_GUIDED_GENERATION: "colorGuidedGenerationParams",
};

function amazonAnswer(
  body: Record<string, unknown>,
  blocked: (text: unknown) => boolean,
  options: BedrockImageModelsOptions,
): InvokeModelReply | StandInError {
  const taskType = String(body.taskType);
  const field = PARAMS_FIELD[taskType];
  const params = field ? (body[field] as Record<string, unknown> | undefined) : undefined;
  if (!field || typeof params !== "object" || params === null) {
    return validation(
      `Malformed input request: taskType ${taskType} needs ${field ?? "a known task"}.`,
    );
  }
  if (blocked(params.text)) {
    const message = "This request has been blocked by our content filters.";
    return options.filterInBody ? { body: { images: [], error: message } } : validation(message);
  }
  const config = (body.imageGenerationConfig ?? {}) as Record<string, number>;
  const first = Array.isArray(params.images) ? params.images[0] : params.image;
  const source = typeof first === "string" ? pngSize(fromB64(first)) : undefined;
  const [width, height] = source ?? [config.width ?? 1024, config.height ?? 1024];
  const count = taskType === "BACKGROUND_REMOVAL" ? 1 : (config.numberOfImages ?? 1);
  // A colour word in the prompt sets the image's colour, so examples can tell images apart.
  const named = String(params.text ?? "")
    .toLowerCase()
    .match(/[a-z]+/g)
    ?.map((w) => STAND_IN_COLOURS[w])
    .find((c) => c !== undefined);
  const images = Array.from({ length: count }, (_, i) =>
    b64(tinyPng(width, height, named ?? [i * 40, 90, 160])),
  );
  return { body: { images, error: null } };
}

function stabilityAnswer(
  body: Record<string, unknown>,
  blocked: (text: unknown) => boolean,
  options: BedrockImageModelsOptions,
): InvokeModelReply | StandInError {
  if (typeof body.prompt !== "string")
    return validation("Malformed input request: prompt is required.");
  if (body.mode === "image-to-image" && typeof body.image !== "string") {
    return validation("Malformed input request: image-to-image needs image.");
  }
  const seed = typeof body.seed === "number" && body.seed > 0 ? body.seed : 1_234_567;
  if (blocked(body.prompt))
    return { body: { seeds: [seed], finish_reasons: ["Filter reason: prompt"], images: [] } };
  if (options.finishReason) {
    return { body: { seeds: [seed], finish_reasons: [options.finishReason], images: [] } };
  }
  // A 1-megapixel-ish answer would be slow to build; the aspect ratio is kept at a small scale.
  const [w, h] = String(body.aspect_ratio ?? "1:1")
    .split(":")
    .map(Number) as [number, number];
  return { body: { seeds: [seed], finish_reasons: [null], images: [b64(tinyPng(w * 8, h * 8))] } };
}

/**
 * An `invokeEndpoint` handler answering like a JumpStart Stable Diffusion 3.5 container:
 * `{ prompt, seed?, aspect_ratio?, output_format?, negative_prompt? }` in, and
 * `{ body: { images: [base64], seeds } }` out (the shape the JumpStart notebook reads).
 */
export function jumpStartDiffusion(): (
  request: InvokeEndpointRequest,
) => InvokeEndpointResult | StandInError {
  return (request) => {
    const body = request.json<Record<string, unknown>>();
    if (typeof body.prompt !== "string" || body.prompt === "") {
      return standInError({
        status: 424,
        type: "ModelError",
        message: 'Received client error (400) from primary with message "prompt is required".',
      });
    }
    const [w, h] = String(body.aspect_ratio ?? "1:1")
      .split(":")
      .map(Number) as [number, number];
    const seed = typeof body.seed === "number" ? body.seed : 42;
    return {
      body: { body: { images: [b64(tinyPng(w * 8, h * 8))], seeds: [seed] }, statusCode: 200 },
    };
  };
}

/** One KServe v2 tensor as sent on the wire. */
export interface KServeTensor {
  name: string;
  shape: number[];
  datatype: string;
  data: unknown[];
}

/** What {@link tritonDiffusion} records of each call. */
export interface TritonCall {
  targetModel: string;
  inputs: KServeTensor[];
  contentType: string | undefined;
}

/**
 * An `invokeEndpoint` handler answering like a Triton Python-backend diffusion model behind a
 * multi-model endpoint: it needs `TargetModel`, reads the KServe v2 JSON
 * (`inputs: [{ name, shape, datatype: "BYTES", data }]`: `prompt`, optional `negative_prompt`,
 * `image`, `mask_image` in base64 and `gen_args` as JSON) and answers
 * `outputs: [{ name: "generated_image", datatype: "BYTES", shape, data: [base64...] }]`.
 */
export function tritonDiffusion(
  seen: TritonCall[] = [],
): (request: InvokeEndpointRequest) => InvokeEndpointResult | StandInError {
  return (request) => {
    if (!request.targetModel) {
      return standInError({
        status: 400,
        type: "ValidationError",
        message: "TargetModel is required for a multi-model endpoint.",
      });
    }
    const { inputs } = request.json<{ inputs?: KServeTensor[] }>();
    seen.push({
      targetModel: request.targetModel,
      inputs: inputs ?? [],
      contentType: request.contentType,
    });
    const prompt = inputs?.find((t) => t.name === "prompt");
    const bad = (inputs ?? []).find(
      (t) =>
        t.datatype !== "BYTES" ||
        !Array.isArray(t.shape) ||
        t.shape.reduce((a, b) => a * b, 1) !== t.data.length,
    );
    if (!prompt || bad) {
      return standInError({
        status: 424,
        type: "ModelError",
        message: `Received client error (400) from model with message "${bad ? `tensor ${bad.name} does not match its shape` : "missing input prompt"}".`,
      });
    }
    const gen = inputs?.find((t) => t.name === "gen_args");
    const args = gen
      ? (JSON.parse(String(gen.data[0])) as {
          width?: number;
          height?: number;
          num_images_per_prompt?: number;
        })
      : {};
    const count = args.num_images_per_prompt ?? 1;
    const data = Array.from({ length: count }, () =>
      b64(tinyPng(args.width ?? 8, args.height ?? 8)),
    );
    return {
      body: {
        model_name: request.targetModel,
        outputs: [{ name: "generated_image", datatype: "BYTES", shape: [count], data }],
      },
    };
  };
}

/** Colour words the multimodal stand-in understands, with the RGB they mean. */
export const STAND_IN_COLOURS: Record<string, [number, number, number]> = {
  red: [220, 30, 30],
  green: [30, 180, 60],
  blue: [30, 60, 220],
  yellow: [240, 220, 40],
  purple: [140, 40, 180],
  orange: [250, 140, 20],
  black: [10, 10, 10],
  white: [245, 245, 245],
};

/** The RGB of a PNG's first pixel (the stand-in PNGs are one colour), or undefined. */
function firstPixel(bytes: Uint8Array): [number, number, number] | undefined {
  const buf = Buffer.from(bytes);
  if (buf[0] !== 0x89) return undefined;
  const idat: Buffer[] = [];
  for (let at = 8; at + 8 <= buf.length; ) {
    const length = buf.readUInt32BE(at);
    const type = buf.toString("latin1", at + 4, at + 8);
    if (type === "IDAT") idat.push(buf.subarray(at + 8, at + 8 + length));
    at += 12 + length;
  }
  const raw = inflateSync(Buffer.concat(idat));
  // Row filter 0 (None) as tinyPng writes it: the first pixel follows the filter byte.
  return [raw[1] as number, raw[2] as number, raw[3] as number];
}

/** Spreads an RGB colour over `dimensions` numbers with a fixed basis, so equal colours give equal vectors. */
function colourVector(rgb: [number, number, number], dimensions: number): number[] {
  const centred = rgb.map((c) => c / 255 - 0.5);
  return Array.from({ length: dimensions }, (_, i) =>
    centred.reduce((sum, c, k) => sum + c * Math.sin((i + 1) * (k + 1.7)), 0),
  );
}

/**
 * An `invokeModel` handler answering like Titan Multimodal Embeddings
 * (`{ inputText?, inputImage?, embeddingConfig: { outputEmbeddingLength } }` ->
 * `{ embedding, inputTextTokenCount }`). Texts and images share one space the way the real model
 * does, in miniature: an image's vector comes from its colour, a text's from the colour words it
 * names, so "a red square" lands next to a red image.
 */
export function titanMultimodalEmbeddings(
  calls: Record<string, unknown>[] = [],
): (request: InvokeModelStandInRequest) => InvokeModelReply | StandInError {
  return (request) => {
    const body = request.json<{
      inputText?: string;
      inputImage?: string;
      embeddingConfig?: { outputEmbeddingLength?: number };
    }>();
    calls.push(body);
    const dimensions = body.embeddingConfig?.outputEmbeddingLength ?? 1024;
    if (![256, 384, 1024].includes(dimensions)) {
      return validation("Malformed input request: outputEmbeddingLength must be 256, 384 or 1024.");
    }
    if (body.inputText === undefined && body.inputImage === undefined) {
      return validation("Malformed input request: give inputText, inputImage or both.");
    }
    let rgb: [number, number, number] | undefined;
    if (body.inputImage !== undefined) {
      rgb = firstPixel(fromB64(body.inputImage));
      if (!rgb) return validation("Unable to process provided image: it is not a PNG or JPEG.");
    } else {
      const words = (body.inputText ?? "").toLowerCase().match(/[a-z]+/g) ?? [];
      const named = words.map((w) => STAND_IN_COLOURS[w]).filter((c) => c !== undefined);
      rgb = named[0] ?? [128, 128, 128];
    }
    return {
      body: {
        embedding: colourVector(rgb, dimensions),
        inputTextTokenCount: (body.inputText ?? "").split(/\s+/).filter(Boolean).length,
      },
    };
  };
}
