/**
 * Writes a tiny BERT-shaped text-classification model folder for transformers.js, so tests run
 * the real loading, tokenizing, ONNX inference and softmax of the text-classification pipeline.
 *
 * The tokenizer files come from the feature-extraction generator in test/rag/tiny-bert-model.ts
 * (same vocabulary); this file replaces `config.json` (classification head, `id2label`) and
 * `onnx/model.onnx`. The graph is Gather + ReduceSum:
 * `logits[b, :] = sum over t of table[input_ids[b, t], :]`, so with a zero row for `[PAD]` the
 * probabilities are `softmax(sum of the rows of the text's tokens)`, computable by hand.
 */
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { TINY_VOCAB, tokenId, writeTinyBertModel } from "../../rag/tiny-bert-model.js";

export { TINY_VOCAB, tokenId };

// --- protobuf wire format (varints, length-delimited fields) -----------------------------------

function varint(value: number): number[] {
  let v = BigInt(value);
  const out: number[] = [];
  do {
    let byte = Number(v & 0x7fn);
    v >>= 7n;
    if (v !== 0n) byte |= 0x80;
    out.push(byte);
  } while (v !== 0n);
  return out;
}

const int = (field: number, value: number) => [...varint(field << 3), ...varint(value)];
const bytes = (field: number, b: Uint8Array | number[]) => [
  ...varint((field << 3) | 2),
  ...varint(b.length),
  ...b,
];
const str = (field: number, text: string) => bytes(field, new TextEncoder().encode(text));

// --- ONNX messages (field numbers from onnx/onnx.proto) ----------------------------------------

const FLOAT = 1;
const INT64 = 7;

function valueInfo(name: string, elemType: number, dims: (string | number)[]): number[] {
  const shape = dims.flatMap((d) => bytes(1, typeof d === "number" ? int(1, d) : str(2, d)));
  const tensorType = [...int(1, elemType), ...bytes(2, shape)];
  return [...str(1, name), ...bytes(2, bytes(1, tensorType))];
}

function tensor(name: string, elemType: number, dims: number[], raw: ArrayBufferView): number[] {
  const data = new Uint8Array(raw.buffer, raw.byteOffset, raw.byteLength);
  return [
    ...dims.flatMap((d) => int(1, d)),
    ...int(2, elemType),
    ...str(8, name),
    ...bytes(9, data),
  ];
}

function node(op: string, inputs: string[], outputs: string[], attrs: number[][]): number[] {
  return [
    ...inputs.flatMap((i) => str(1, i)),
    ...outputs.flatMap((o) => str(2, o)),
    ...str(3, `${op}_0`),
    ...str(4, op),
    ...attrs.flatMap((a) => bytes(5, a)),
  ];
}

/** An INT attribute (AttributeProto: name=1, i=3, type=20 with INT=2). */
const intAttribute = (name: string, value: number) => [
  ...str(1, name),
  ...int(3, value),
  ...int(20, 2),
];

/** ONNX bytes of the Gather + ReduceSum graph over `table` (vocab x labels, row-major). */
export function tinyClassifierOnnx(table: Float32Array, labels: number): Uint8Array {
  const vocab = table.length / labels;
  const graph = [
    ...bytes(
      1,
      node("Gather", ["weights", "input_ids"], ["token_logits"], [intAttribute("axis", 0)]),
    ),
    // Since opset 13 ReduceSum takes its axes as a second input.
    ...bytes(
      1,
      node("ReduceSum", ["token_logits", "axes"], ["logits"], [intAttribute("keepdims", 0)]),
    ),
    ...str(2, "tiny-classifier"),
    ...bytes(5, tensor("weights", FLOAT, [vocab, labels], table)),
    ...bytes(5, tensor("axes", INT64, [1], BigInt64Array.from([1n]))),
    ...bytes(11, valueInfo("input_ids", INT64, ["batch", "sequence"])),
    ...bytes(11, valueInfo("attention_mask", INT64, ["batch", "sequence"])),
    ...bytes(12, valueInfo("logits", FLOAT, ["batch", labels])),
  ];
  return Uint8Array.from([
    ...int(1, 8), // ir_version 8
    ...str(2, "fmops-tests"),
    ...bytes(7, graph),
    ...bytes(8, [...str(1, ""), ...int(2, 17)]), // default domain, opset 17
  ]);
}

/**
 * Writes a classifier folder: `table` holds one row of `labels.length` logits per vocabulary
 * entry (row 0, `[PAD]`, should be zeros), `labels` are the `id2label` names in id order.
 */
export async function writeTinyClassifierModel(
  folder: string,
  table: Float32Array,
  labels: readonly string[],
): Promise<void> {
  if (table.length !== TINY_VOCAB.length * labels.length)
    throw new Error("table must be vocab x labels");
  await writeTinyBertModel(folder, new Float32Array(TINY_VOCAB.length), 1);
  const config = {
    model_type: "bert",
    architectures: ["BertForSequenceClassification"],
    hidden_size: 1,
    vocab_size: TINY_VOCAB.length,
    num_hidden_layers: 1,
    num_attention_heads: 1,
    max_position_embeddings: 64,
    pad_token_id: 0,
    id2label: Object.fromEntries(labels.map((l, i) => [String(i), l])),
    label2id: Object.fromEntries(labels.map((l, i) => [l, i])),
  };
  await writeFile(join(folder, "config.json"), JSON.stringify(config));
  await writeFile(join(folder, "onnx", "model.onnx"), tinyClassifierOnnx(table, labels.length));
}
