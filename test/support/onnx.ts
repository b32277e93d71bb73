/**
 * A minimal ONNX model writer for tests: protobuf written field by field (a dozen ONNX fields,
 * numbers from onnx/onnx.proto), enough for the tiny Gather-based graphs the transformers.js
 * tests load, with no protobuf package.
 */

// --- protobuf wire format: varints, length-delimited fields -------------------------------------

function varint(value: number | bigint): number[] {
  let v = BigInt(value);
  if (v < 0n) v += 1n << 64n; // two's complement, as protobuf encodes negative int64
  const out: number[] = [];
  do {
    let byte = Number(v & 0x7fn);
    v >>= 7n;
    if (v !== 0n) byte |= 0x80;
    out.push(byte);
  } while (v !== 0n);
  return out;
}

function intField(field: number, value: number): number[] {
  return [...varint(field << 3), ...varint(value)];
}

function bytesField(field: number, bytes: Uint8Array | number[]): number[] {
  return [...varint((field << 3) | 2), ...varint(bytes.length), ...bytes];
}

function stringField(field: number, text: string): number[] {
  return bytesField(field, new TextEncoder().encode(text));
}

// --- ONNX messages ------------------------------------------------------------------------------

/** TensorProto element types. */
export const FLOAT = 1;
/** TensorProto element types. */
export const INT64 = 7;

/** A graph input or output: a tensor type; a string dim is symbolic (dim_param), a number fixed. */
export interface OnnxValue {
  name: string;
  elemType: number;
  dims: (string | number)[];
}

/** A constant tensor (initializer), its values raw in row-major order. */
export interface OnnxInitializer {
  name: string;
  elemType: number;
  dims: number[];
  values: ArrayBufferView;
}

/** A node; `ints` are its INT attributes, such as `{ axis: 0 }`. */
export interface OnnxNode {
  op: string;
  inputs: string[];
  outputs: string[];
  ints?: Record<string, number>;
}

function valueInfo({ name, elemType, dims }: OnnxValue): number[] {
  const shape = dims.flatMap((d) =>
    bytesField(1, typeof d === "number" ? intField(1, d) : stringField(2, d)),
  );
  const tensorType = [...intField(1, elemType), ...bytesField(2, shape)];
  return [...stringField(1, name), ...bytesField(2, bytesField(1, tensorType))];
}

function tensor({ name, elemType, dims, values }: OnnxInitializer): number[] {
  const raw = new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
  return [
    ...dims.flatMap((d) => intField(1, d)),
    ...intField(2, elemType),
    ...stringField(8, name),
    ...bytesField(9, raw),
  ];
}

function node({ op, inputs, outputs, ints = {} }: OnnxNode): number[] {
  // AttributeProto: name=1, i=3, type=20 with INT=2.
  const attrs = Object.entries(ints).map(([name, value]) => [
    ...stringField(1, name),
    ...intField(3, value),
    ...intField(20, 2),
  ]);
  return [
    ...inputs.flatMap((i) => stringField(1, i)),
    ...outputs.flatMap((o) => stringField(2, o)),
    ...stringField(3, `${op}_0`),
    ...stringField(4, op),
    ...attrs.flatMap((a) => bytesField(5, a)),
  ];
}

/** The bytes of a one-graph ONNX model (IR version 8, default domain at opset 17). */
export function onnxModel(graph: {
  name: string;
  nodes: OnnxNode[];
  initializers: OnnxInitializer[];
  inputs: OnnxValue[];
  outputs: OnnxValue[];
}): Uint8Array {
  const body = [
    ...graph.nodes.flatMap((n) => bytesField(1, node(n))),
    ...stringField(2, graph.name),
    ...graph.initializers.flatMap((t) => bytesField(5, tensor(t))),
    ...graph.inputs.flatMap((v) => bytesField(11, valueInfo(v))),
    ...graph.outputs.flatMap((v) => bytesField(12, valueInfo(v))),
  ];
  return Uint8Array.from([
    ...intField(1, 8), // ir_version 8 (ONNX 1.10+)
    ...stringField(2, "fmops-tests"),
    ...bytesField(7, body),
    ...bytesField(8, [...stringField(1, ""), ...intField(2, 17)]),
  ]);
}
